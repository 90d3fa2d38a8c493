import Foundation
import TestSupport
import Testing

/// The deadline every command a test runs is held to: a hang must fail one
/// test with its cause, not stop the whole run.
@Suite struct ChildProcessTests {
    @Test func aCommandPastItsDeadlineIsKilledWithEverythingItStarted() throws {
        let start = Date()
        // The background sleep holds the pipes open after its shell is killed.
        let run = try runChild("/bin/sh", ["-c", "echo started; sleep 300 & sleep 300"], timeout: 1)
        let elapsed = Date().timeIntervalSince(start)
        #expect(run.timedOut)
        #expect(!run.exited)
        #expect(elapsed < 60, "\(elapsed) s")
        #expect(run.stdout == "started\n")
        #expect(run.stderr.contains("killed after 1.0 s"), "\(run.stderr)")
        #expect(run.stderr.contains("sleep 300"), "ps names the processes: \(run.stderr)")
    }

    @Test func aCommandThatEndsInTimeIsReadWhole() throws {
        // More than a pipe's buffer on both streams at once.
        let run = try runChild("/bin/sh", ["-c", "head -c 200000 /dev/zero | tr '\\0' x; head -c 200000 /dev/zero | tr '\\0' y >&2; exit 3"],
                               timeout: 60)
        #expect(!run.timedOut && run.exited && run.status == 3)
        #expect(run.stdout.count == 200_000 && run.stdout.allSatisfy { $0 == "x" })
        #expect(run.stderr.count == 200_000 && run.stderr.allSatisfy { $0 == "y" })
    }

    @Test func inputIsWrittenToTheCommand() throws {
        let run = try runChild("/bin/cat", [], input: Data("a,b\n1,2\n".utf8), timeout: 60)
        #expect(run.status == 0 && run.stdout == "a,b\n1,2\n")
    }
}
