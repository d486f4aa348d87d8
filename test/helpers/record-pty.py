"""Runs a program in a real pseudo-terminal and records it as asciicast v2: terminal output
("o" events) to one file and the keys typed ("i" events) to another, as the session gateway
does. Keys come from this process's stdin; the output is copied to its stdout, so a test can
type, wait for what the program prints, and type again.

usage: record-pty.py OUTPUT.cast INPUT.cast COLS ROWS PROGRAM [ARGS...]
"""
import codecs
import fcntl
import json
import os
import pty
import select
import struct
import sys
import termios
import time

out_path, in_path, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
argv = sys.argv[5:]
start = time.time()
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp(argv[0], argv)

header = {"version": 2, "width": cols, "height": rows, "timestamp": round(start, 3)}
out_file = open(out_path, "w")
in_file = open(in_path, "w")
for f in (out_file, in_file):
    f.write(json.dumps(header) + "\n")
    f.flush()
out_dec = codecs.getincrementaldecoder("utf-8")("replace")
in_dec = codecs.getincrementaldecoder("utf-8")("replace")
stdin_open = True


def event(f, code, data):
    if data:
        f.write(json.dumps([round(time.time() - start, 6), code, data]) + "\n")
        f.flush()


while True:
    watch = [fd] + ([0] if stdin_open else [])
    ready, _, _ = select.select(watch, [], [], 0.5)
    if 0 in ready:
        keys = os.read(0, 4096)
        if not keys:
            stdin_open = False
        else:
            event(in_file, "i", in_dec.decode(keys))
            os.write(fd, keys)
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if not data:
            break
        event(out_file, "o", out_dec.decode(data))
        sys.stdout.buffer.write(data)
        sys.stdout.flush()

os.waitpid(pid, 0)
out_file.close()
in_file.close()
