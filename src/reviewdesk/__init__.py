"""ReviewDesk: route LLM traces to human reviewers and export their judgments."""

__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy so that `import reviewdesk` stays importable with only httpx installed.
    if name == "Client":
        from reviewdesk.client import Client

        return Client
    raise AttributeError(name)
