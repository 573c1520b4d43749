"""The two kinds of failure the command line tells apart (DESIGN.md, "Errors")."""


class MoaError(Exception):
    """Base of every error moa raises on purpose."""

    exit_code = 1


class UserError(MoaError):
    """The user asked for something wrong: bad path, bad query, unknown document. Exit 2."""

    exit_code = 2


class ExternalError(MoaError):
    """The outside world failed: network, Elasticsearch, a corrupt PDF. Exit 1."""

    exit_code = 1
