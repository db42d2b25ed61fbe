#!/usr/bin/env python3
"""Differential fuzzer: runs generated libev programs against libev 4.33 (the oracle) and
against evring on every backend, and minimises every divergence to a small program.
See README.md in this directory."""

import argparse
import difflib
import hashlib
import os
import queue
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
COMPAT = os.path.join(os.path.dirname(HERE), "compat")
CFLAGS = ["-std=gnu11", "-O1", "-g", "-Wall", "-Wextra", "-pthread"]
SLOW_TICK_FACTOR = 4  # a divergence must persist with ticks this much longer
UNSTEERED = "timing not guaranteed"  # FZ_UNSTEERED in fz_runtime.h
NOT_READY = "(not ready)"  # FZ_NOT_READY in fz_runtime.h
# Causes of divergences reported in findings/ and not fixed yet, each with the loop flag that
# takes the cause away: a divergence that disappears when both sides run with that flag is
# set aside as known. Remove an entry when its findings are fixed.
# (None at present: the timerfd cause, EVFLAG_NOTIMERFD, went when evring got libev's
# wall-clock timerfd.)
KNOWN_CAUSES = []


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
        self.known = read_known(os.path.join(HERE, "known-divergences"))

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

    def start_batch(self, binary, flags, first, count, results, key):
        """Starts `fuzz batch` and a thread that puts (key, seed, digest, ended) on the results
        queue for each program as it ends."""
        env = dict(os.environ, LIBEV_FLAGS=flags, FUZZ_TICK_MS=str(self.tick))
        env.pop("EVRING_BACKEND", None)
        process = subprocess.Popen([binary, "batch", str(first), str(count), str(self.args.jobs)],
                                   env=env, stdout=subprocess.PIPE, text=True)

        def read():
            for line in process.stdout:
                seed, digest, ended = line.split()[:3]
                results.put((key, int(seed), digest, ended))
            process.wait()
            results.put((key, None, None, None))

        threading.Thread(target=read, daemon=True).start()
        return process

    def program_of(self, seed):
        return subprocess.run([self.libev, "gen", str(seed)], capture_output=True, text=True,
                              check=True).stdout

    # ---- judging a divergence --------------------------------------------------------------

    def runs(self, jobs, program, tick=None):
        """The outputs of the program for each (binary, LIBEV_FLAGS) job, all run at once."""
        with ThreadPoolExecutor(len(jobs)) as pool:
            return list(pool.map(lambda job: self.run_one(job[0], job[1], program, tick), jobs))

    def outputs(self, program, backend, runs, tick=None):
        """The outputs of `runs` runs of each side: (libev set, evring set)."""
        done = self.runs([(self.libev, backend.libev)] * runs +
                         [(self.evring, backend.evring)] * runs, program, tick)
        return set(done[:runs]), set(done[runs:])

    def judge(self, program, backend, runs=3, slow_check=True):
        """Why libev and evring differ on this program: 'divergence' (a real one), or a reason
        to set it aside: 'libev-unstable', 'libev-failed', 'same' (did not happen again),
        'unsteered' (after a timed event the runtime could not place, see fz_runtime.h),
        'timing' (gone with longer ticks), 'io_uring-documented', 'known-CAUSE' (KNOWN_CAUSES);
        'evring-unstable' when libev prints the same thing every time and evring does not."""
        libev, evring = self.outputs(program, backend, runs)
        if len(libev) != 1:
            return "libev-unstable", None, None
        libev = libev.pop()
        if not libev.endswith("exit:0\n"):
            return "libev-failed", libev, None
        if evring == {libev}:
            return "same", libev, libev
        if UNSTEERED in libev:
            return "unsteered", libev, None
        if slow_check:
            slow_libev, slow_evring = self.outputs(program, backend, 2,
                                                   self.tick * SLOW_TICK_FACTOR)
            if len(slow_libev) != 1:
                return "libev-unstable", libev, None
            if slow_evring == slow_libev or len(slow_evring) != 1:
                return "timing", libev, None
        if len(evring) != 1:
            # A program that depends on timing may vary on both sides, however seldom: evring
            # is to blame only for what libev never prints.
            seen = set(self.runs([(self.libev, backend.libev)] * 8, program)) | {libev}
            if len(seen) > 1 or evring <= seen:
                return "timing", libev, None
            return "evring-unstable", libev, sorted(evring - seen)[0]
        evring = evring.pop()
        if backend.cross and wake_time_readiness(libev, evring):
            return "io_uring-documented", libev, evring
        for cause, flag in KNOWN_CAUSES:
            avoided = Backend("%d/%d" % (int(backend.libev) | flag, int(backend.evring) | flag))
            without_libev, without_evring = self.outputs(program, avoided, 2)
            if len(without_libev) == 1 and without_evring == without_libev:
                return "known-" + cause, libev, evring
        return "divergence", libev, evring

    def diverges(self, program, backend):
        """The minimiser's test: a stable, non-documented divergence (cheaper than judge)."""
        key = (program, backend.text)
        if key not in self.cache:
            # Without the check at longer ticks (which can take seconds): the result is
            # judged in full at the end.
            self.cache[key] = \
                self.judge(program, backend, runs=2, slow_check=False)[0] == "divergence"
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
        """Both sides of every backend run their batch at once, over the same seeds; a program
        is judged as soon as both sides have run it."""
        args = self.args
        backends = [Backend(text) for text in args.backends.split()]
        if any(b.evring == "128" for b in backends) and not uring_usable(self.evring):
            log("fuzz: evring cannot use io_uring here: skipping", " ".join(
                b.text for b in backends if b.evring == "128"))
            backends = [b for b in backends if b.evring != "128"]
        stats = {b.text: dict(passed=0, failed=0, set_aside={}, done=0) for b in backends}
        findings, first, count = [], args.first, args.programs or 10 ** 12
        results, processes, pending = queue.Queue(), [], {}
        started = last_report = time.monotonic()
        for backend in backends:
            for side, binary, flags in (("libev", self.libev, backend.libev),
                                        ("evring", self.evring, backend.evring)):
                processes.append(self.start_batch(binary, flags, first, count, results,
                                                  (side, backend.text)))
        running, judging = len(processes), {}
        # Mismatches are judged beside the batches, which go on meanwhile; a verdict comes back
        # through the results queue as (("judged", name), seed, backend, reason).
        judge = ThreadPoolExecutor(2)

        def judged(name, seed, backend, future):
            if not future.cancelled():
                results.put((("judged", name), seed, backend, future.result()))

        while running or judging:
            elapsed = time.monotonic() - started
            if args.seconds and elapsed >= args.seconds:
                break
            if time.monotonic() - last_report >= 30:
                last_report = time.monotonic()
                log("[%4.0f s] %s" % (elapsed, ", ".join("%s %d/%d" % (
                    b.text, stats[b.text]["passed"], stats[b.text]["failed"]) for b in backends)))
            try:
                (side, name), seed, digest, ended = results.get(timeout=1)
            except queue.Empty:
                continue
            if side == "judged":
                del judging[(name, seed)]
                self.record(stats, findings, name, seed, digest, ended)
            elif seed is None:
                running -= 1
            elif (name, seed) not in pending:
                pending[(name, seed)] = (side, digest, ended)
            else:
                other = pending.pop((name, seed))
                runs = {side: (digest, ended), other[0]: other[1:]}
                backend = next(b for b in backends if b.text == name)
                if runs["libev"] == runs["evring"] or runs["libev"][1] != "exit:0":
                    self.record(stats, findings, name, seed, backend,
                                self.compare(seed, backend, runs["libev"], runs["evring"]))
                else:
                    future = judge.submit(self.compare, seed, backend, runs["libev"],
                                          runs["evring"])
                    judging[(name, seed)] = future
                    future.add_done_callback(
                        lambda done, name=name, seed=seed, backend=backend:
                        judged(name, seed, backend, done))
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
        # Verdicts begun before the time was up are waited for; the others are dropped.
        for future in judging.values():
            future.cancel()
        judge.shutdown()
        while not results.empty():
            (side, name), seed, backend, reason = results.get()
            if side == "judged":
                self.record(stats, findings, name, seed, backend, reason)
        self.report(backends, stats, time.monotonic() - started)
        self.minimise_findings(findings)
        passed = sum(s["passed"] for s in stats.values())
        failed = sum(s["failed"] for s in stats.values())
        log("fuzz: %d passed, %d failed" % (passed, failed))
        return failed == 0

    def record(self, stats, findings, name, seed, backend, reason):
        stat = stats[name]
        stat["done"] += 1
        if reason == "same":
            stat["passed"] += 1
        elif reason in ("divergence", "evring-unstable") and (name, seed) in self.known:
            stat["set_aside"]["known"] = stat["set_aside"].get("known", 0) + 1
            log("known divergence: seed %d LIBEV_FLAGS %s, %s" % (
                seed, name, self.known[(name, seed)]))
        elif reason in ("divergence", "evring-unstable"):
            stat["failed"] += 1
            findings.append((seed, backend, reason))
            log("DIVERGENCE seed %d LIBEV_FLAGS %s: %s" % (seed, name, reason))
        else:
            stat["set_aside"][reason] = stat["set_aside"].get(reason, 0) + 1
            with open(os.path.join(self.work, "set-aside.txt"), "a") as out:
                out.write("%d %s %s\n" % (seed, name, reason))

    def compare(self, seed, backend, libev, evring):
        """The verdict on one program from its batch runs: 'same', or judge()'s."""
        if libev[1] != "exit:0":
            return "libev-" + libev[1].split(":")[0]
        if libev == evring:
            return "same"
        program = self.program_of(seed)
        libev_again, evring_again = self.outputs(program, backend, 1)
        if libev_again == evring_again:
            # The batch's runs differ, these do not: which side printed something else then?
            again = batch_digest(libev_again.pop())
            return "flaky-" + "-".join(side for side, run in (("libev", libev), ("evring", evring))
                                       if run[0] != again)
        verdict = self.judge(program, backend)[0]
        if verdict in ("divergence", "evring-unstable") and \
                self.judge(program, backend)[0] != verdict:
            return "flaky"  # a loaded machine can fool one judgement, rarely two
        return verdict

    def report(self, backends, stats, seconds):
        log("fuzz: %.0f s, first seed %d, tick %g ms, %d programs at once per side and backend" % (
            seconds, self.args.first, self.tick, self.args.jobs))
        for backend in backends:
            stat = stats[backend.text]
            aside = ", ".join("%d %s" % (n, why) for why, n in sorted(stat["set_aside"].items()))
            log("  LIBEV_FLAGS %-6s %7d programs: %d passed, %d diverged%s; %.1f programs/s" % (
                backend.text, stat["done"], stat["passed"], stat["failed"],
                "; set aside: " + aside if aside else "", stat["done"] / seconds))

    def minimise_findings(self, findings):
        for seed, backend, reason in findings:
            repeat = "tests/fuzz/fuzz.py --reproduce %d --backends %s" % (seed, backend.text)
            if self.args.no_minimise or reason != "divergence":
                log("  seed %d LIBEV_FLAGS %s (%s): reproduce with %s" % (
                    seed, backend.text, reason, repeat))
                if self.args.check:
                    _, libev, evring = self.judge(self.program_of(seed), backend)
                    log("".join(difflib.unified_diff(
                        (libev or "").splitlines(True), (evring or "").splitlines(True),
                        "libev", "evring"))[:4000])
                continue
            if self.args.max_minimise <= 0:
                log("  seed %d LIBEV_FLAGS %s: not minimised (--max-minimise reached)" % (
                    seed, backend.text))
                continue
            self.args.max_minimise -= 1
            self.minimise_finding(self.program_of(seed), backend, "seed%d" % seed)

    def minimise_finding(self, program, backend, name):
        """Minimises a divergence and writes it to work/findings/NAME-BACKEND.*."""
        name += "-" + backend.text.replace("/", "-")
        minimal = self.minimise(program, backend)
        verdict, c_check = self.write_finding(name, minimal, backend, "minimised")
        log("  %s: minimised to %d lines (%s; %s): %s/findings/%s.*" % (
            name, len(minimal.splitlines()), verdict, c_check, self.work, name))


def batch_digest(output):
    """The digest `fuzz batch` prints for a run whose output (plus the line saying how it
    ended, as run_one returns it) is this: FNV-1a 64 of the trace, then of how it ended."""
    ended = output.rstrip("\n").rpartition("\n")[2]
    trace = output[:len(output) - len(ended) - 1]
    digest = 0xcbf29ce484222325
    for byte in (trace + ended).encode():
        digest = ((digest ^ byte) * 0x100000001b3) & 0xffffffffffffffff
    return "%016x" % digest


def read_known(path):
    """Divergences reported and left for later: {(backend, seed): finding}. Lines are
    "BACKEND SEED FINDING", "#" starts a comment."""
    known = {}
    if os.path.exists(path):
        for line in open(path):
            words = line.split("#")[0].split()
            if len(words) >= 3:
                known[(words[0], int(words[1]))] = " ".join(words[2:])
    return known


def wake_time_readiness(libev, evring):
    """Whether the first io callback (an io watcher's or an ev_once's) in evring's trace from
    where it departs from libev's is for an fd that was not ready after the poll: io_uring
    reports the readiness of the kernel's wake-up, which the program consumed since
    (docs/io_uring.md, "differences"); epoll checks again."""
    libev_lines, evring_lines = libev.splitlines(), evring.splitlines()
    first = next((i for i, (a, b) in enumerate(zip(libev_lines, evring_lines)) if a != b),
                 min(len(libev_lines), len(evring_lines)))
    io_callback = re.compile(r"^(c\| )*(w|once)[0-9]+ [A-Z|]*(READ|WRITE)[A-Z|]* L[0-9] i[0-9]+ ")
    return next((line.endswith(NOT_READY) for line in evring_lines[first:]
                 if io_callback.match(line)), False)


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
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS") or 0),
                        help="stop after this much time (FUZZ_SECONDS)")
    parser.add_argument("--programs", type=int, default=int(os.environ.get("FUZZ_PROGRAMS") or 0),
                        help="stop after this many programs per backend (FUZZ_PROGRAMS)")
    parser.add_argument("--first", type=int, default=None, help="first seed (default: random)")
    parser.add_argument("--backends", default=os.environ.get("FUZZ_BACKENDS", "1 2 4 4/128"))
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("FUZZ_JOBS") or 4),
                        help="programs run at once by each side of each backend")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "evring-fuzz"))
    parser.add_argument("--no-minimise", action="store_true")
    parser.add_argument("--check", action="store_true",
                        help="make check: no minimising, a diff for each divergence")
    parser.add_argument("--max-minimise", type=int, default=10)
    parser.add_argument("--reproduce", type=int, metavar="SEED",
                        help="judge one seed on the backends and minimise a divergence")
    parser.add_argument("--program", metavar="FILE",
                        help="judge a program file on the backends and minimise a divergence")
    args = parser.parse_args()
    args.no_minimise = args.no_minimise or args.check
    fuzzer = Fuzzer(args)
    fuzzer.build()
    if args.reproduce is not None or args.program:
        if args.program:
            program = open(args.program).read()
            name = "program-" + hashlib.sha1(program.encode()).hexdigest()[:8]
        else:
            program, name = fuzzer.program_of(args.reproduce), "seed%d" % args.reproduce
        ok = True
        for backend in map(Backend, args.backends.split()):
            verdict = fuzzer.judge(program, backend)[0]
            log("LIBEV_FLAGS %s: %s" % (backend.text, verdict))
            if verdict == "divergence" and not args.no_minimise:
                fuzzer.minimise_finding(program, backend, name)
            ok = ok and verdict != "divergence"
        return 0 if ok else 1
    if args.first is None:
        args.first = int.from_bytes(os.urandom(4), "little")
    if not args.seconds and not args.programs:
        args.programs = 1000
    return 0 if fuzzer.campaign() else 1


if __name__ == "__main__":
    sys.exit(main())
