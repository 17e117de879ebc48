"""Shows the output browser: writes text, JSON, CSV, a PNG image and a nested folder to output/."""
import csv
import json
import os
import struct
import zlib

os.makedirs("output/reports/daily", exist_ok=True)

with open("output/summary.txt", "w") as f:
    f.write("InfraX sample output\n====================\nEverything went fine.\n")

data = {"app": "outputs", "items": [{"id": i, "square": i * i} for i in range(5)], "ok": True}
with open("output/data.json", "w") as f:
    json.dump(data, f)

with open("output/table.csv", "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["id", "name", "score"])
    for i, name in enumerate(["ada", "grace", "linus", "guido"]):
        writer.writerow([i, name, 50 + 10 * i])


def png(width, height):
    """A small gradient PNG, written with the standard library only."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 255 // width, y * 255 // height, 160))
        for y in range(height)
    )

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


with open("output/gradient.png", "wb") as f:
    f.write(png(64, 32))

with open("output/reports/daily/2026-11-28.md", "w") as f:
    f.write("# Daily report\n\n- 4 rows\n- 1 image\n")

print("wrote 5 files to output/")
