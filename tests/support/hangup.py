"""A terminal that hangs up (an SSH connection drops, a window is closed) without a SIGHUP reaching
the program: the program runs in a pseudo-terminal as its foreground process group, under a session
leader that ignores SIGHUP and outlives it. Once the program shows `Enter MFA code:`, TYPE is typed
and, once echoed, the terminal is closed (the master side, as sshd or a terminal emulator does).

usage: hangup.py STDERR_FILE TYPE COMMAND [ARGS...]
Prints `EXIT=N`, the program's exit status (128+N when signal N ended it). Its stderr goes to
STDERR_FILE, its stdout to the terminal."""
import os
import pty
import select
import signal
import sys
import termios
import fcntl
import time

stderr_file, typed, command = sys.argv[1], sys.argv[2].encode(), sys.argv[3:]
master, slave = pty.openpty()
leader = os.fork()
if leader == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    program = os.fork()
    if program == 0:
        os.setpgid(0, 0)
        os.tcsetpgrp(slave, os.getpgrp())
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        os.dup2(slave, 0)
        os.dup2(slave, 1)
        os.dup2(os.open(stderr_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
        os.execvp(command[0], command)
    os.close(slave)
    _, status = os.waitpid(program, 0)
    code = os.waitstatus_to_exitcode(status)
    os._exit(128 - code if code < 0 else code)
os.close(slave)


screen = b""


def read_until(needle, seconds=20):
    global screen
    deadline = time.time() + seconds
    while needle not in screen:
        if time.time() > deadline:
            sys.exit(f"timed out waiting for {needle!r}; the screen: {screen!r}")
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            screen += os.read(master, 4096)


read_until(b"Enter MFA code: ")
# Typed again until echoed: keys typed before the prompt reads are discarded (type-ahead).
for attempt in range(100):
    os.write(master, typed)
    try:
        read_until(b"Enter MFA code: " + typed, 0.5)
        break
    except SystemExit:
        pass
else:
    sys.exit(f"what was typed is not echoed; the screen: {screen!r}")
os.close(master)
_, status = os.waitpid(leader, 0)
print(f"EXIT={os.waitstatus_to_exitcode(status)}", flush=True)
