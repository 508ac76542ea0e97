"""Reference server for the Azaion protocol (docs/protocol.md): API + S3 on loopback, for tests and demos."""

from sandbox.server import Sandbox
from sandbox.state import DEMO_ACCOUNTS, DEMO_PASSWORD, SandboxState

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "Sandbox", "SandboxState"]
