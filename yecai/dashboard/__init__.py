"""The management dashboard (经营驾驶舱): one HTML file, built from the published database,
that opens from disk with no server and no network (data.py reads, page.py writes)."""

from yecai.dashboard.page import DashboardResult, build_dashboard

__all__ = ["DashboardResult", "build_dashboard"]
