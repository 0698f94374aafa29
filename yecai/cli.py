"""The `yecai` command line: generate → ingest → build, or all of it with `demo`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from yecai import settings

DEMO_SCALE = 0.01


@click.group()
@click.version_option(package_name="yecai")
def main() -> None:
    """yecai (业财): land source extracts, build the warehouse, publish for BI."""


def _path_option(name: str, default_fn, help_text: str):
    return click.option(
        name,
        type=click.Path(path_type=Path),
        default=None,
        show_default=False,
        help=f"{help_text} [default: {default_fn()}]",
    )


@main.command()
@_path_option("--landing", settings.landing_dir, "Landing folder to write the extracts into.")
@_path_option("--answer-key", settings.answer_key_dir, "Folder for the defect answer key.")
@click.option("--scale", type=float, default=DEMO_SCALE, show_default=True,
              help="Scale factor: 1 ≈ one million sales order lines.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--defect-rate", type=float, default=None,
              help="Scale every injected defect rate by this factor (0 = clean data).")
def generate(landing: Path | None, answer_key: Path | None, scale: float, seed: int,
             defect_rate: float | None) -> None:
    """Write synthetic source extracts, exactly as the contract says."""
    from yecai.generate import generate as run_generate

    report = run_generate(
        landing=landing or settings.landing_dir(),
        answer_key=answer_key or settings.answer_key_dir(),
        scale=scale,
        seed=seed,
        defect_factor=1.0 if defect_rate is None else defect_rate,
    )
    click.echo(report.summary_text())


@main.command()
@_path_option("--landing", settings.landing_dir, "Landing folder to read deliveries from.")
@_path_option("--database", settings.warehouse_path, "Warehouse DuckDB file to load into.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def ingest(landing: Path | None, database: Path | None, progress: bool) -> None:
    """Load every new delivery into the raw layer; quarantine what breaks the contract.

    Exit status 0: everything in the landing folder conforms. 1: some file was refused or
    some row quarantined (see ingest.load_log and ingest.quarantine).
    """
    from yecai.ingest import ingest as run_ingest

    report = run_ingest(
        landing=landing or settings.landing_dir(),
        database=database or settings.warehouse_path(),
        progress=progress,
    )
    click.echo(report.summary_text())
    sys.exit(report.exit_code)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
def build(dbt_args: tuple[str, ...]) -> None:
    """Run `dbt build` on the warehouse (extra arguments go to dbt)."""
    from yecai.dbt_runner import run_dbt

    sys.exit(run_dbt(["build", *dbt_args]))


@main.command()
@click.option("--scale", type=float, default=DEMO_SCALE, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
def demo(scale: float, seed: int) -> None:
    """The main job end to end on generated demo data: generate → ingest → dbt build."""
    from yecai.dbt_runner import run_dbt
    from yecai.generate import generate as run_generate
    from yecai.ingest import ingest as run_ingest

    click.echo(f"[1/3] generating demo extracts (scale {scale}, seed {seed})")
    gen = run_generate(landing=settings.landing_dir(), answer_key=settings.answer_key_dir(),
                       scale=scale, seed=seed, defect_factor=1.0)
    click.echo(gen.summary_text())
    click.echo("[2/3] ingesting into the raw layer")
    report = run_ingest(landing=settings.landing_dir(), database=settings.warehouse_path(),
                        progress=True)
    click.echo(report.summary_text())
    if report.exit_code != 0:
        raise click.ClickException(
            "ingest refused input; see the summary above. If the demo data changed since the "
            "last run (new code, another --scale or --seed), start over: `make clean` (or delete "
            f"{settings.data_dir()}) and run `make demo` again.")
    click.echo("[3/3] dbt build")
    rc = run_dbt(["build"])
    if rc != 0:
        raise click.ClickException(f"dbt build failed (exit {rc}); see the dbt log above")
    click.echo(f"\nDone. Warehouse: {settings.warehouse_path()}")
    click.echo(f"Landing extracts: {settings.landing_dir()}  Answer key: {settings.answer_key_dir()}")


if __name__ == "__main__":
    main()
