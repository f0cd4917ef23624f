"""Errors raised by source clients: each names the source, the URL and the cause."""


class SourceError(RuntimeError):
    def __init__(self, source: str, url: str, cause: str):
        self.source = source
        self.url = url
        self.cause = cause
        super().__init__(f"{source}: {cause} [URL: {url}]")


class RecordingMissing(SourceError):
    """Replay mode was asked for a request that has no recording."""
