"""Shows the keyword-argument contract: reads the Job's arguments from stdin as JSON and echoes them (the docs' example)."""
import json
import sys

kwargs = json.loads(sys.stdin.read() or "{}")
print(kwargs)
print(kwargs.get("message_string", "no message_string given"))
