"""Shows live output: prints a progress line every half second for a few seconds, warnings on stderr."""
import json
import sys
import time

kwargs = json.loads(sys.stdin.read() or "{}")
steps = int(kwargs.get("steps", "8"))
for step in range(1, steps + 1):
    print(f"step {step}/{steps}: working...")
    if step % 3 == 0:
        print(f"warning: step {step} was slow", file=sys.stderr)
    time.sleep(0.5)
print("done")
