"""Files the project ships beside its code (the demo network, the Slack manifest)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_NETWORK_FILE = PROJECT_ROOT / "network" / "wirral.yaml"
SLACK_MANIFEST = PROJECT_ROOT / "slack" / "manifest.yml"
