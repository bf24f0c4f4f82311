#!/usr/bin/env python3
"""Bytes copied per handshake by caller, from memspy's table (see memspy.c).

Usage: memspy_report.py TABLE HANDSHAKES BINARY [TOP]
Copies of 128 bytes or more only; each caller's inlined frames resolved with addr2line.
"""
import subprocess
import sys

path, handshakes, binary = sys.argv[1], int(sys.argv[2]), sys.argv[3]
top = int(sys.argv[4]) if len(sys.argv) > 4 else 25
rows = [line.split() for line in open(path)]
total = sum(int(count) * int(size) for count, size, _, _ in rows)
calls = sum(int(count) for count, _, _, _ in rows)
print(f"bytes copied per handshake (copies >= 128 B): {total / handshakes:.0f} in {calls / handshakes:.1f} calls")
rows.sort(key=lambda row: -int(row[0]) * int(row[1]))
for count, size, offset, _ in rows[:top]:
    lines = subprocess.run(["addr2line", "-f", "-i", "-C", "-e", binary, offset],
                           capture_output=True, text=True).stdout.split("\n")
    frames = [lines[i].split("::")[-1][:32] + "@" + "/".join(lines[i + 1].split("/")[-2:])
              for i in range(0, min(len(lines) - 1, 8), 2)]
    print(f"{int(count) / handshakes:7.2f} x {size:>6} B = {int(count) * int(size) / handshakes:8.0f}  "
          + " < ".join(frames))
