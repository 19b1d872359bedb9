#!/usr/bin/env python3
"""peakrss.py LIMIT_BYTES COMMAND [ARG...]

Runs COMMAND with its address space capped at LIMIT_BYTES and writes the
command's own peak resident memory (KiB) to file descriptor 3. A Go test
cannot measure this itself: a child it starts inherits the test process's
resident high-water mark through fork and exec, so wait4 reports the
larger of the two. This small parent hands down only its own few MiB.
"""
import os
import resource
import subprocess
import sys


def main():
    limit = int(sys.argv[1])

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc = subprocess.run(sys.argv[2:], preexec_fn=cap)
    os.write(3, str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss).encode())
    code = proc.returncode
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
