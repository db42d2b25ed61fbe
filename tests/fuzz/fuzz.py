#!/usr/bin/env python3
"""Differential fuzzer: runs generated libev programs against libev 4.33 (the oracle) and
against evring on every backend, and minimises every divergence to a small program.
See README.md in this directory."""

import argparse
import hashlib
import os
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
COMPAT = os.path.join(os.path.dirname(HERE), "compat")
CFLAGS = ["-std=gnu11", "-O1", "-g", "-Wall", "-Wextra", "-pthread"]
SLOW_TICK_FACTOR = 4  # a divergence must persist with ticks this much longer
UNSTEERED = "timing not guaranteed"  # FZ_UNSTEERED in fz_runtime.h


def log(*words):
    print(*words, flush=True)


class Backend:
    """A LIBEV_FLAGS value for both sides, or LIBEV/EVRING (e.g. 4/128: libev on epoll, evring
    on io_uring)."""

    def __init__(self, text):
        self.text = text
        self.libev, _, evring = text.partition("/")
        self.evring = evring or self.libev

    @property
    def cross(self):
        return self.libev != self.evring


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.work = args.work
        os.makedirs(self.work, exist_ok=True)
        self.libev = os.path.join(self.work, "fuzz-libev")
        self.evring = os.path.join(self.work, "fuzz-evring")
        self.tick = float(os.environ.get("FUZZ_TICK_MS", "25"))
        self.cache = {}

    # ---- building and running --------------------------------------------------------------

    def build(self):
        source = os.path.join(HERE, "fuzz.c")
        for binary, side in ((self.libev, "libev"), (self.evring, "evring")):
            flags, libs = self.flags(side)
            command = ["cc", *CFLAGS, *flags, source, "-o", binary, *libs]
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode:
                sys.exit("fuzz.py: cannot build %s:\n%s" % (binary, result.stderr))

    @staticmethod
    def flags(side):
        """Compiler and linker flags for a program built against libev or evring."""
        if side == "libev":
            return ["-I/usr/include"], ["-lev"]
        if "EVRING_LIBS" in os.environ:
            return (shlex.split(os.environ.get("EVRING_CFLAGS", "")),
                    shlex.split(os.environ["EVRING_LIBS"]))
        return shlex.split(pkg_config("--cflags")), shlex.split(pkg_config("--libs"))

    def run_one(self, binary, flags, program, tick=None):
        """Runs one program (text) and returns its trace plus how it ended."""
        key = (binary, flags, program, tick)
        env = dict(os.environ, LIBEV_FLAGS=flags, FUZZ_TICK_MS=str(tick or self.tick))
        env.pop("EVRING_BACKEND", None)
        try:
            result = subprocess.run([binary, "run", "-"], input=program, env=env, text=True,
                                    capture_output=True, timeout=120)
            ended = "exit:%d" % result.returncode if result.returncode >= 0 else \
                "signal:%d" % -result.returncode
            return result.stdout + ended + "\n"
        except subprocess.TimeoutExpired as timeout:
            out = timeout.stdout.decode() if isinstance(timeout.stdout, bytes) else timeout.stdout
            return (out or "") + "timeout\n"

    def batch(self, binary, flags, first, count):
        env = dict(os.environ, LIBEV_FLAGS=flags, FUZZ_TICK_MS=str(self.tick))
        env.pop("EVRING_BACKEND", None)
        result = subprocess.run([binary, "batch", str(first), str(count), str(self.args.jobs)],
                                env=env, capture_output=True, text=True)
        runs = {}
        for line in result.stdout.splitlines():
            seed, digest, ended = line.split()[:3]
            runs[int(seed)] = (digest, ended)
        return runs

    def program_of(self, seed):
        return subprocess.run([self.libev, "gen", str(seed)], capture_output=True, text=True,
                              check=True).stdout

    # ---- judging a divergence --------------------------------------------------------------

    def stable(self, binary, flags, program, runs, tick=None):
        """The program's output if `runs` runs agree, else None."""
        outputs = {self.run_one(binary, flags, program, tick) for _ in range(runs)}
        return outputs.pop() if len(outputs) == 1 else None

    def judge(self, program, backend, runs=3):
        """Why libev and evring differ on this program: 'divergence' (a real one), or a reason
        to set it aside: 'libev-unstable', 'libev-failed', 'evring-unstable', 'same' (did not
        happen again), 'timing' (gone with longer ticks), 'io_uring-documented'."""
        libev = self.stable(self.libev, backend.libev, program, runs)
        if libev is None:
            return "libev-unstable", None, None
        if not libev.endswith("exit:0\n"):
            return "libev-failed", libev, None
        evring = self.stable(self.evring, backend.evring, program, runs)
        if evring == libev:
            return "same", libev, evring
        if UNSTEERED in libev:
            return "unsteered", libev, evring
        slow = self.tick * SLOW_TICK_FACTOR
        slow_libev = self.stable(self.libev, backend.libev, program, 2, slow)
        if slow_libev is None:
            return "libev-unstable", libev, evring
        slow_evring = self.stable(self.evring, backend.evring, program, 2, slow)
        if slow_evring == slow_libev:
            return "timing", libev, evring
        if evring is None or slow_evring is None:
            return "evring-unstable", libev, evring
        if backend.cross and self.stable(self.libev, backend.evring, program, 2) == evring:
            # libev's own io_uring backend prints what evring prints: the readiness of the
            # kernel's wake-up, documented in docs/io_uring.md.
            return "io_uring-documented", libev, evring
        return "divergence", libev, evring

    def diverges(self, program, backend):
        """The minimiser's test: a stable, non-documented divergence (cheaper than judge)."""
        key = (program, backend.text)
        if key not in self.cache:
            self.cache[key] = self.judge(program, backend, runs=2)[0] == "divergence"
        return self.cache[key]

    # ---- minimising ------------------------------------------------------------------------

    def minimise(self, program, backend):
        """Delta debugging over the program's lines, then single lines until nothing more can
        go, keeping the divergence at every step."""
        lines = [line for line in program.splitlines() if line.strip()]

        def test(candidate):
            return self.diverges("".join(line + "\n" for line in candidate), backend)

        chunks = 2
        while len(lines) >= 2:
            size = (len(lines) + chunks - 1) // chunks
            parts = [lines[i:i + size] for i in range(0, len(lines), size)]
            reduced = False
            for i in range(len(parts)):
                complement = [line for j, part in enumerate(parts) if j != i for line in part]
                if test(complement):
                    lines, chunks, reduced = complement, max(chunks - 1, 2), True
                    break
            if not reduced:
                if chunks >= len(lines):
                    break
                chunks = min(len(lines), chunks * 2)
        changed = True
        while changed:
            changed = False
            for i in reversed(range(len(lines))):
                candidate = lines[:i] + lines[i + 1:]
                if test(candidate):
                    lines, changed = candidate, True
        return "".join(line + "\n" for line in lines)

    def write_finding(self, name, program, backend, note):
        """Writes the minimised program, both outputs, their diff and the C file to
        work/findings/NAME.*, and checks that the C file diverges the same way."""
        directory = os.path.join(self.work, "findings")
        os.makedirs(directory, exist_ok=True)
        base = os.path.join(directory, name)
        verdict, libev, evring = self.judge(program, backend)
        with open(base + ".txt", "w") as out:
            out.write("# %s, LIBEV_FLAGS %s; %s\n%s" % (name, backend.text, note, program))
        for side, text in (("libev", libev), ("evring", evring)):
            with open("%s.%s" % (base, side), "w") as out:
                out.write(text or "")
        diff = subprocess.run(["diff", "-u", base + ".libev", base + ".evring"],
                              capture_output=True, text=True).stdout
        with open(base + ".diff", "w") as out:
            out.write(diff)
        c_file = subprocess.run([self.libev, "c", base + ".txt",
                                 "%s (LIBEV_FLAGS %s): %s" % (name, backend.text, note)],
                                capture_output=True, text=True, check=True).stdout
        with open(base + ".c", "w") as out:
            out.write(c_file)
        return verdict, self.check_c_file(base + ".c", backend)

    def check_c_file(self, path, backend):
        """Builds the C file against both libraries; whether their outputs still differ."""
        outputs = []
        for side, flags in (("libev", backend.libev), ("evring", backend.evring)):
            cflags, libs = self.flags(side)
            binary = "%s.%s-bin" % (path, side)
            build = subprocess.run(["cc", *CFLAGS, "-iquote", COMPAT, *cflags, path, "-o",
                                    binary, *libs], capture_output=True, text=True)
            if build.returncode:
                return "does not build: " + build.stderr
            env = dict(os.environ, LIBEV_FLAGS=flags, FUZZ_TICK_MS=str(self.tick))
            outputs.append(subprocess.run([binary], env=env, capture_output=True, text=True,
                                          timeout=120).stdout)
            os.unlink(binary)
        return "C file diverges too" if outputs[0] != outputs[1] else "C file does NOT diverge"

    # ---- the campaign ----------------------------------------------------------------------

    def campaign(self):
        args = self.args
        backends = [Backend(text) for text in args.backends.split()]
        if any(b.evring == "128" for b in backends) and not uring_usable(self.evring):
            log("fuzz: evring cannot use io_uring here: skipping", " ".join(
                b.text for b in backends if b.evring == "128"))
            backends = [b for b in backends if b.evring != "128"]
        stats = {b.text: dict(passed=0, failed=0, set_aside={}, seconds=0.0) for b in backends}
        findings = []
        started = time.monotonic()
        seed = args.first
        done = 0
        chunk = args.chunk
        while True:
            if args.programs and done >= args.programs:
                break
            if args.seconds and time.monotonic() - started >= args.seconds:
                break
            count = chunk if not args.programs else min(chunk, args.programs - done)
            for backend in backends:
                t0 = time.monotonic()
                with ThreadPoolExecutor(2) as pool:
                    libev_future = pool.submit(self.batch, self.libev, backend.libev, seed, count)
                    evring_runs = self.batch(self.evring, backend.evring, seed, count)
                    libev_runs = libev_future.result()
                stat = stats[backend.text]
                stat["seconds"] += time.monotonic() - t0
                for s in range(seed, seed + count):
                    libev, evring = libev_runs.get(s), evring_runs.get(s)
                    if libev is None or evring is None:
                        reason = "batch-lost"
                    elif libev[1] != "exit:0":
                        reason = "libev-" + libev[1].split(":")[0]
                    elif libev == evring:
                        stat["passed"] += 1
                        continue
                    else:
                        reason = self.judge(self.program_of(s), backend)[0]
                    if reason == "same":
                        stat["passed"] += 1
                    elif reason in ("divergence", "evring-unstable"):
                        stat["failed"] += 1
                        findings.append((s, backend, reason))
                        log("DIVERGENCE seed %d LIBEV_FLAGS %s: %s" % (s, backend.text, reason))
                    else:
                        stat["set_aside"][reason] = stat["set_aside"].get(reason, 0) + 1
            seed += count
            done += count
            log("[%4.0f s] seeds %d-%d done: %s" % (
                time.monotonic() - started, args.first, seed - 1, ", ".join(
                    "%s %d/%d" % (b.text, stats[b.text]["passed"], stats[b.text]["failed"])
                    for b in backends)))
        self.report(backends, stats, done)
        self.minimise_findings(findings)
        passed = sum(s["passed"] for s in stats.values())
        failed = sum(s["failed"] for s in stats.values())
        log("fuzz: %d passed, %d failed" % (passed, failed))
        return failed == 0

    def report(self, backends, stats, programs):
        log("fuzz: %d programs per backend (seeds %d-%d), tick %g ms" % (
            programs, self.args.first, self.args.first + programs - 1, self.tick))
        for backend in backends:
            stat = stats[backend.text]
            aside = ", ".join("%d %s" % (n, why) for why, n in sorted(stat["set_aside"].items()))
            log("  LIBEV_FLAGS %-6s %6d passed, %d diverged%s; %.1f programs/s" % (
                backend.text, stat["passed"], stat["failed"],
                "; set aside: " + aside if aside else "",
                programs / stat["seconds"] if stat["seconds"] else 0))

    def minimise_findings(self, findings):
        for seed, backend, reason in findings:
            repeat = "tests/fuzz/fuzz.py --reproduce %d --backends %s" % (seed, backend.text)
            if self.args.no_minimise or reason != "divergence":
                log("  seed %d LIBEV_FLAGS %s (%s): reproduce with %s" % (
                    seed, backend.text, reason, repeat))
                continue
            if self.args.max_minimise <= 0:
                log("  seed %d LIBEV_FLAGS %s: not minimised (--max-minimise reached)" % (
                    seed, backend.text))
                continue
            self.args.max_minimise -= 1
            name = "seed%d-%s" % (seed, backend.text.replace("/", "-"))
            minimal = self.minimise(self.program_of(seed), backend)
            verdict, c_check = self.write_finding(name, minimal, backend, "seed %d minimised" % seed)
            log("  seed %d LIBEV_FLAGS %s: minimised to %d lines (%s; %s): %s/findings/%s.*" % (
                seed, backend.text, len(minimal.splitlines()), verdict, c_check, self.work, name))


def pkg_config(option):
    result = subprocess.run(["pkg-config", option, "evring"], capture_output=True, text=True)
    if result.returncode:
        sys.exit("fuzz.py: evring not found by pkg-config; set EVRING_CFLAGS/EVRING_LIBS")
    return result.stdout


def uring_usable(evring_binary):
    """Whether evring runs a program on io_uring when asked (LIBEV_FLAGS=128)."""
    probe = "main pending L0\n"
    env = dict(os.environ, LIBEV_FLAGS="128")
    result = subprocess.run([evring_binary, "run", "-"], input=probe, env=env, text=True,
                            capture_output=True, timeout=60)
    return result.returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", 0)),
                        help="stop after this much time (FUZZ_SECONDS)")
    parser.add_argument("--programs", type=int, default=int(os.environ.get("FUZZ_PROGRAMS", 0)),
                        help="stop after this many programs per backend (FUZZ_PROGRAMS)")
    parser.add_argument("--first", type=int, default=None, help="first seed (default: random)")
    parser.add_argument("--backends", default=os.environ.get("FUZZ_BACKENDS", "1 2 4 4/128"))
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("FUZZ_JOBS", 6)),
                        help="programs run at once by each side")
    parser.add_argument("--chunk", type=int, default=120, help="seeds per batch")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "evring-fuzz"))
    parser.add_argument("--no-minimise", action="store_true")
    parser.add_argument("--max-minimise", type=int, default=10)
    parser.add_argument("--reproduce", type=int, metavar="SEED",
                        help="judge one seed on the backends and minimise a divergence")
    parser.add_argument("--program", metavar="FILE",
                        help="judge a program file on the backends and minimise a divergence")
    args = parser.parse_args()
    fuzzer = Fuzzer(args)
    fuzzer.build()
    if args.reproduce is not None or args.program:
        ok = True
        for backend in map(Backend, args.backends.split()):
            program = fuzzer.program_of(args.reproduce) if args.program is None else \
                open(args.program).read()
            verdict, libev, evring = fuzzer.judge(program, backend)
            log("LIBEV_FLAGS %s: %s" % (backend.text, verdict))
            if verdict == "divergence" and not args.no_minimise:
                name = "seed%s-%s" % (args.reproduce if args.program is None else
                                      hashlib.sha1(program.encode()).hexdigest()[:8],
                                      backend.text.replace("/", "-"))
                minimal = fuzzer.minimise(program, backend)
                verdict, c_check = fuzzer.write_finding(name, minimal, backend, "minimised")
                log("  minimised to %d lines (%s; %s): %s/findings/%s.*" % (
                    len(minimal.splitlines()), verdict, c_check, fuzzer.work, name))
            ok = ok and verdict != "divergence"
        return 0 if ok else 1
    if args.first is None:
        args.first = int.from_bytes(os.urandom(4), "little")
    if not args.seconds and not args.programs:
        args.programs = 1000
    return 0 if fuzzer.campaign() else 1


if __name__ == "__main__":
    sys.exit(main())
