"""Shows a failed Job: prints a little, then fails with a traceback and exit code 1."""
import json
import sys


def parse(kwargs):
    return int(kwargs["count"])


kwargs = json.loads(sys.stdin.read() or "{}")
print("reading the arguments...")
print(f"count is {parse(kwargs)}")
