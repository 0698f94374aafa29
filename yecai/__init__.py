"""yecai (业财): business–finance analytics warehouse."""

__version__ = "0.1.0"
