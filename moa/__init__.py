"""moa: ICE 287(g) Memoranda of Agreement as a searchable, comparable, citable corpus."""

__version__ = "0.1.0"
USER_AGENT = f"moa/{__version__} (287(g) MOA research corpus; +https://github.com/moa-research/moa)"
