"""Column lineage of every indicator, computed from dbt's compiled SQL with sqlglot.

For each indicator of the semantic layer, the walk starts at the numerator and denominator
of the model its semantic model reads (its family's fct_metric_components__<family>: the
columns its measures read; a derived indicator takes the lineage of its inputs) and follows
every column reference down through the CTEs of each model and into the models it reads,
to the source extracts and seeds. It keeps one indicator's path only: in a UNION, a branch
that selects another indicator's literal metric_code is not followed (the component models
build one CTE per indicator).

Columns are read two ways:
    value      the column's values flow into the indicator's numerator or denominator
    condition  the column decides which rows count (WHERE, HAVING, JOIN ... ON, QUALIFY)

The result is the seed seeds/metric_column_lineage.csv and the docs page
models/marts/metrics/_metric_lineage.md, both written by `yecai lineage` and checked against
the SQL by tests/python/test_metric_lineage.py.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

START_COLUMNS = ("numerator", "denominator")
METRIC_CODE = "metric_code"
SEED_PATH = Path("seeds") / "metric_column_lineage.csv"
DOCS_PATH = Path("models") / "marts" / "metrics" / "_metric_lineage.md"
COLUMNS = ("metric_code", "model_name", "column_name", "read_as", "source_kind", "source_name", "source_column")
VALUE, CONDITION = "value", "condition"
ROWS = "*"  # the pseudo-column "which rows there are", for count(*)
Constraints = frozenset[tuple[str, str]]  # (column, string literal) pairs that hold for the rows traced


@dataclass(frozen=True, order=True)
class Leaf:
    """A column of a source extract (kind 'extract') or of a seed (kind 'seed')."""

    kind: str
    name: str
    column: str


@dataclass(frozen=True, order=True)
class LineageRow:
    metric_code: str
    model_name: str
    column_name: str
    read_as: str
    source_kind: str
    source_name: str
    source_column: str


class LineageError(Exception):
    """The compiled SQL could not be followed; the message names the model."""


class Project:
    """The compiled models, sources and seeds of one dbt manifest."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        self.nodes_by_relation: dict[str, dict[str, Any]] = {}
        self.leaves_by_relation: dict[str, tuple[str, str]] = {}
        self.schema: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
        for node in manifest["nodes"].values():
            if node["resource_type"] == "model":
                self.nodes_by_relation[_relation_key(node["relation_name"])] = node
                self._add_schema(node["relation_name"], node["columns"])
            elif node["resource_type"] == "seed":
                self.leaves_by_relation[_relation_key(node["relation_name"])] = ("seed", node["name"])
                self._add_schema(node["relation_name"], _seed_columns(node))
        for source in manifest["sources"].values():
            extract = source["config"]["meta"].get("extract")
            leaf = ("extract", extract) if extract else (source["source_name"], source["identifier"])
            self.leaves_by_relation[_relation_key(source["relation_name"])] = leaf
            self._add_schema(source["relation_name"], source["columns"])
        self.models_by_name = {node["name"]: node for node in self.nodes_by_relation.values()}

    def _add_schema(self, relation_name: str, columns: Iterable[str]) -> None:
        catalog, database, table = _relation_parts(relation_name)
        self.schema.setdefault(catalog, {}).setdefault(database, {})[table] = {name: "unknown" for name in columns}

    @cache  # noqa: B019 - one Project per run; the cache lives as long as it does
    def root_scope(self, model: str) -> Scope:
        node = self.models_by_name[model]
        try:
            tree = sqlglot.parse_one(node["compiled_code"], dialect="duckdb")
            tree = qualify(tree, schema=self.schema, dialect="duckdb", validate_qualify_columns=False,
                           quote_identifiers=False, identify=False)
        except sqlglot.errors.SqlglotError as error:
            raise LineageError(f"{model}: sqlglot cannot read its compiled SQL: {error}") from None
        scope = build_scope(tree)
        if scope is None:
            raise LineageError(f"{model}: no SELECT in its compiled SQL")
        return scope

    @cache  # noqa: B019
    def trace(self, model: str, column: str, rows_where: Constraints) -> frozenset[tuple[str, str, str, Leaf]]:
        """(model, column, read_as, leaf) for every column on the lineage of `model.column`,
        this one included, for the rows where each (column, literal) of `rows_where` holds."""
        found: set[tuple[str, str, str, Leaf]] = set()
        for read_as, kind, name, upstream_column, upstream_where in self._read(
                self.root_scope(model), column, rows_where, VALUE):
            if kind != "model":
                if upstream_column != ROWS:  # which rows a source table has depends on no column
                    found.add((model, column, read_as, Leaf(kind, name, upstream_column)))
                continue
            for upstream_model, upstream_name, upstream_read_as, leaf in self.trace(
                    name, upstream_column, upstream_where):
                path_read_as = VALUE if read_as == upstream_read_as == VALUE else CONDITION
                found.add((upstream_model, upstream_name, path_read_as, leaf))
                found.add((model, column, path_read_as, leaf))
        return frozenset(found)

    def _read(self, scope: Scope, column: str, rows_where: Constraints,
              read_as: str) -> Iterator[tuple[str, str, str, str, Constraints]]:
        """(read_as, kind, name, column, constraints) of each table column that `scope`'s output
        `column` reads, for the rows where `rows_where` holds."""
        expression = scope.expression
        if isinstance(expression, exp.SetOperation):
            for branch in scope.set_operation_scopes:
                yield from self._read(branch, column, rows_where, read_as)
            return
        if not isinstance(expression, exp.Select) or _contradicts(expression, rows_where):
            return
        projection = exp.Star() if column == ROWS else _projection(expression, column)
        if projection is None:
            return
        references = [(read_as, ref.table, ref.name) for ref in projection.find_all(exp.Column)]
        references += [(CONDITION, ref.table, ref.name) for ref in _condition_columns(expression, projection)]
        if column == ROWS or _counts_rows(projection):
            references += [(CONDITION, table, ROWS) for table in _row_sources(expression)]
        for ref_read_as, table, name in references:
            source = scope.sources.get(table)
            source_where = _pushed_down(expression, table, rows_where)
            if isinstance(source, Scope):
                yield from self._read(source, name, source_where, ref_read_as)
            elif isinstance(source, exp.Table):
                yield (ref_read_as, *self._resolve(source), name, source_where)

    def _resolve(self, table: exp.Table) -> tuple[str, str]:
        """('model', name) or (leaf kind, leaf name) of a table the SQL reads."""
        key = _relation_key(exp.table_name(table, identify=False))
        if key in self.nodes_by_relation:
            return "model", self.nodes_by_relation[key]["name"]
        if key in self.leaves_by_relation:
            return self.leaves_by_relation[key]
        raise LineageError(f"the SQL reads {key}, which is no model, source or seed of the project")


def _projection(select: exp.Select, column: str) -> exp.Expression | None:
    for projection in select.expressions:
        if projection.alias_or_name == column:
            return projection
    return None


def _bare(expression: exp.Expression | None) -> exp.Expression | None:
    """The expression without its alias and casts (a cast keeps a string's value)."""
    value = expression.unalias() if expression is not None else None
    while isinstance(value, exp.Cast):
        value = value.this
    return value


def _string_literal(expression: exp.Expression | None) -> str | None:
    value = _bare(expression)
    return value.this if isinstance(value, exp.Literal) and value.is_string else None


def _contradicts(select: exp.Select, rows_where: Constraints) -> bool:
    """A SELECT (a union branch) whose rows all fail `rows_where`: it selects another literal
    for a constrained column, such as another indicator's metric_code."""
    for column, literal in rows_where:
        selected = _string_literal(_projection(select, column))
        if selected is not None and selected != literal:
            return True
    return False


def _pushed_down(select: exp.Select, source: str, rows_where: Constraints) -> Constraints:
    """The constraints on the rows `select` reads from `source`: those on its output columns
    that pass a column of `source` through unchanged, and its WHERE's `source.column = 'x'`."""
    pushed = set()
    for column, literal in rows_where:
        value = _bare(_projection(select, column))
        if isinstance(value, exp.Column) and value.table == source:
            pushed.add((value.name, literal))
    where = select.args.get("where")
    for condition in where.this.flatten() if where is not None and isinstance(where.this, exp.And) else (
            [where.this] if where is not None else []):
        if isinstance(condition, exp.EQ):
            column, literal = _bare(condition.this), _string_literal(condition.expression)
            if isinstance(column, exp.Column) and column.table == source and literal is not None:
                pushed.add((column.name, literal))
    return frozenset(pushed)


def _counts_rows(projection: exp.Expression) -> bool:
    """count(*) or count(1): the value depends on which rows the FROM gives, not on a column."""
    return any(not isinstance(count.this, exp.Column) and not count.find(exp.Column)
               for count in projection.find_all(exp.Count))


def _row_sources(select: exp.Select) -> Iterator[str]:
    """The tables that decide how many rows `select` has: its FROM and inner joins."""
    from_ = select.args.get("from_")
    if from_ is not None:
        yield from_.this.alias_or_name
    for join in select.args.get("joins") or []:
        if not join.side:
            yield join.this.alias_or_name


def _condition_columns(select: exp.Select, projection: exp.Expression) -> Iterator[exp.Column]:
    """The columns that decide which rows reach `projection`: WHERE, HAVING and QUALIFY, the
    ON of inner joins, and the ON of an outer join when the projection reads the table it
    may not match (a LEFT JOIN's ON drops no row of the table on its left)."""
    for key in ("where", "having", "qualify"):
        clause = select.args.get(key)
        if clause is not None:
            yield from clause.find_all(exp.Column)
    read_tables = {ref.table for ref in projection.find_all(exp.Column)}
    for join in select.args.get("joins") or []:
        on = join.args.get("on")
        if on is None:
            continue
        side = (join.side or "").upper()
        if not side or side in ("RIGHT", "FULL") or join.this.alias_or_name in read_tables:
            yield from on.find_all(exp.Column)


def metric_inputs(semantic_manifest: dict[str, Any]) -> dict[str, list[str]]:
    """Each indicator and the component metrics whose rows it reads (itself, or a derived
    indicator's inputs), from MetricFlow's semantic manifest."""
    metrics = {metric["name"]: metric for metric in semantic_manifest["metrics"]}

    def inputs(name: str) -> list[str]:
        metric = metrics[name]
        if metric["type"] == "derived":
            return sorted({code for parent in metric["type_params"]["metrics"] for code in inputs(parent["name"])})
        return [name]

    return {name: inputs(name) for name, metric in metrics.items()
            if metric["type"] == "derived" or metric.get("filter")}


def metric_models(semantic_manifest: dict[str, Any]) -> dict[str, str]:
    """Each non-derived metric and the model its measures read (the semantic model's)."""
    model_by_measure = {measure["name"]: semantic_model["node_relation"]["alias"]
                        for semantic_model in semantic_manifest["semantic_models"]
                        for measure in semantic_model["measures"]}
    metrics = {metric["name"]: metric for metric in semantic_manifest["metrics"]}

    def models(name: str) -> set[str]:
        params = metrics[name]["type_params"]
        if params.get("measure"):
            return {model_by_measure[params["measure"]["name"]]}
        return {model for side in ("numerator", "denominator") if params.get(side)
                for model in models(params[side]["name"])}

    found = {}
    for name, metric in metrics.items():
        if metric["type"] == "derived":
            continue
        names = models(name)
        if len(names) != 1:
            raise LineageError(f"metric {name} reads {sorted(names)}: one model per metric is expected")
        found[name] = names.pop()
    return found


def compute(manifest: dict[str, Any], semantic_manifest: dict[str, Any]) -> list[LineageRow]:
    """The lineage rows of every indicator, sorted."""
    project = Project(manifest)
    start_models = metric_models(semantic_manifest)
    rows: set[LineageRow] = set()
    for metric, components in metric_inputs(semantic_manifest).items():
        for component in components:
            for column in START_COLUMNS:
                for model, model_column, read_as, leaf in project.trace(
                        start_models[component], column, frozenset({(METRIC_CODE, component)})):
                    rows.add(LineageRow(metric, model, model_column, read_as, leaf.kind, leaf.name, leaf.column))
    return _drop_weaker_duplicates(rows)


def _drop_weaker_duplicates(rows: set[LineageRow]) -> list[LineageRow]:
    """A column read both as a value and as a condition on the same path is listed as a value."""
    values = {(r.metric_code, r.model_name, r.column_name, r.source_kind, r.source_name, r.source_column)
              for r in rows if r.read_as == VALUE}
    return sorted(r for r in rows if r.read_as == VALUE
                  or (r.metric_code, r.model_name, r.column_name, r.source_kind, r.source_name, r.source_column)
                  not in values)


def to_csv(rows: list[LineageRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows((row.metric_code, row.model_name, row.column_name, row.read_as, row.source_kind,
                      row.source_name, row.source_column) for row in rows)
    return buffer.getvalue()


def to_markdown(rows: list[LineageRow]) -> str:
    """The docs block `metric_lineage`: per indicator, the source columns it reads and the
    models in between (the description of the metric_lineage model in the docs site)."""
    lines = ["{% docs metric_lineage %}",
             "Grain: one row per indicator, model column on its path, and source column that column reads.",
             "Which source columns each indicator really reads, and through which models: computed by",
             "`yecai lineage` from the compiled SQL (sqlglot), following only the indicator's own",
             "branches of every union. *value*: the column's values flow into the numerator or",
             "denominator; *condition*: it only decides which rows count. Generated; do not edit.", ""]
    for metric in sorted({row.metric_code for row in rows}):
        mine = [row for row in rows if row.metric_code == metric]
        sources = {(row.source_kind, row.source_name, row.source_column): row.read_as for row in mine
                   if row.read_as == CONDITION}
        sources.update({(row.source_kind, row.source_name, row.source_column): VALUE for row in mine
                        if row.read_as == VALUE})
        lines += [f"#### {metric}", ""]
        for read_as in (VALUE, CONDITION):
            columns = sorted(f"`{name}.{column}`" for (_, name, column), how in sources.items() if how == read_as)
            lines.append(f"- {read_as}: " + (", ".join(columns) or "none"))
        for layer, prefixes in (("marts", ("fct_", "dim_", "metric_")), ("intermediate", ("int_",)),
                                ("staging", ("stg_",))):
            models = sorted({row.model_name for row in mine if row.model_name.startswith(prefixes)})
            lines.append(f"- {layer}: " + (", ".join(f"`{name}`" for name in models) or "none"))
        lines.append("")
    lines += ["{% enddocs %}", ""]
    return "\n".join(lines)


def _relation_key(relation_name: str) -> str:
    """schema.table, lower case: the database (file) name differs between targets."""
    return ".".join(_relation_parts(relation_name)[1:]).lower()


def _relation_parts(relation_name: str) -> tuple[str, str, str]:
    parts = [part.strip('"').strip("`") for part in relation_name.split(".")]
    return ("", *parts) if len(parts) == 2 else tuple(parts[-3:])  # type: ignore[return-value]


def _seed_columns(node: dict[str, Any]) -> list[str]:
    path = Path(node["root_path"]) / node["original_file_path"]
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def load(target: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """manifest.json and semantic_manifest.json of a compiled target folder."""
    return (json.loads((target / "manifest.json").read_text(encoding="utf-8")),
            json.loads((target / "semantic_manifest.json").read_text(encoding="utf-8")))


def compile_project(scratch: Path) -> Path:
    """`dbt compile` into scratch/target on an empty scratch database; returns the target."""
    from yecai import settings
    from yecai.dbt_runner import run_dbt_captured

    target = scratch / "target"
    ensure_generated_files(settings.PROJECT_DIR)
    result = run_dbt_captured(["compile", "--target-path", str(target), "--log-path", str(scratch / "logs")],
                              database=scratch / "compile.duckdb")
    if result.returncode != 0:
        error = result.stdout.partition("Encountered an error:")[2].strip().splitlines()[:2]
        raise LineageError(f"dbt compile failed (exit {result.returncode}): {' '.join(error) or 'no message'}")
    return target


def ensure_generated_files(project_dir: Path) -> None:
    """The project refers to the seed and the docs block, so dbt cannot compile without them:
    a missing one is first written empty (and then reported stale, or rewritten)."""
    for path, empty in ((SEED_PATH, to_csv([])), (DOCS_PATH, to_markdown([]))):
        if not (project_dir / path).exists():
            (project_dir / path).write_text(empty, encoding="utf-8")


def generated_files(project_dir: Path, target: Path) -> dict[Path, str]:
    """The seed and the docs page, as they should read for the compiled `target`."""
    rows = compute(*load(target))
    return {project_dir / SEED_PATH: to_csv(rows), project_dir / DOCS_PATH: to_markdown(rows)}
