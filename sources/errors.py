"""Errors raised by source clients: each names the source, the URL and the cause."""


class SourceError(RuntimeError):
    def __init__(self, source: str, url: str, cause: str, *, status: int | None = None, body: bytes = b""):
        self.source = source
        self.url = url
        self.cause = cause
        self.status = status  # the HTTP status when the server answered with an error
        self.body = body      # and its body, for callers that act on it (SCB's "too many cells")
        super().__init__(f"{source}: {cause} [URL: {url}]")


class RecordingMissing(SourceError):
    """Replay mode was asked for a request that has no recording."""
