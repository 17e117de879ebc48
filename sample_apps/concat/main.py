"""Shows the file contract: concatenates every file in input/ into output/result.txt (the docs' example)."""
import os

os.makedirs("output", exist_ok=True)
names = sorted(os.listdir("input"))
with open("output/result.txt", "w", encoding="utf-8") as result:
    for name in names:
        with open(os.path.join("input", name), encoding="utf-8") as part:
            result.write(part.read())
print(f"concatenated {len(names)} file(s) into output/result.txt")
