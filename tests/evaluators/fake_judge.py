"""The fake judge is the one fake OpenAI-compatible server (tests/fake_openai_server.py); these names
stay importable for the tests that use them."""

from tests.fake_openai_server import COMPLETION_TOKENS, PROMPT_TOKENS, verdict
from tests.fake_openai_server import FakeOpenAI as FakeJudge
from tests.fake_openai_server import fake_openai as fake_judge

__all__ = ["COMPLETION_TOKENS", "PROMPT_TOKENS", "FakeJudge", "fake_judge", "verdict"]
