// gauss-gradbench: Gauss as a gradbench tool for the "gmm" module.
//
// One JSON message per line on stdin, exactly one JSON reply per message on
// stdout with the same id; logs on stderr; exit when stdin closes.
//
//   swift run -c release --package-path Benchmarks gauss-gradbench
import Foundation
import Gauss

// Run OpenBLAS kernels that match the processor (this may restart the program once).
BLASKernel.selectForProcessor()

/// A failure to report in a reply.
struct ToolError: Error, CustomStringConvertible {
    let description: String
}

/// A reply line, written by hand so every number is Swift's shortest
/// round-trip text.
func reply(_ fields: [(String, String)]) {
    FileHandle.standardOutput.write(Data(("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n").utf8))
}

func json(_ value: Double) throws -> String {
    guard value.isFinite else { throw ToolError(description: "the result holds NaN or infinity") }
    return value.description
}

func json(_ values: [Double]) throws -> String { "[" + (try values.map(json)).joined(separator: ",") + "]" }
func json(_ rows: [[Double]]) throws -> String { "[" + (try rows.map(json)).joined(separator: ",") + "]" }
func quoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        .replacingOccurrences(of: "\n", with: " ") + "\""
}

/// Runs `body` at least `minRuns` times and until `minSeconds` have passed;
/// the time of each run, in nanoseconds.
func timed(minRuns: Int, minSeconds: Double, _ body: () -> Void) -> [Int] {
    var timings: [Int] = []
    var total = 0.0
    repeat {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        let elapsed = Int(DispatchTime.now().uptimeNanoseconds - start)
        timings.append(elapsed)
        total += Double(elapsed) * 1e-9
    } while timings.count < minRuns || total < minSeconds
    return timings
}

let tape = Tape()
while let line = readLine() {
    guard let data = line.data(using: .utf8),
          let message = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let id = message["id"] as? Int else {
        FileHandle.standardError.write(Data("gauss-gradbench: ignoring a line that is not a message with an integer id\n".utf8))
        continue
    }
    switch message["kind"] as? String {
    case "start":
        reply([("id", "\(id)"), ("tool", quoted("gauss"))])
    case "define":
        reply([("id", "\(id)"), ("success", message["module"] as? String == "gmm" ? "true" : "false")])
    case "evaluate":
        do {
            guard message["module"] as? String == "gmm" else { throw ToolError(description: "unknown module") }
            guard let inputObject = message["input"] as? [String: Any] else { throw ToolError(description: "no input") }
            let input = try JSONDecoder().decode(GMMObjective.Input.self, from: JSONSerialization.data(withJSONObject: inputObject))
            let gmm = try GMMObjective(input)
            let minRuns = inputObject["min_runs"] as? Int ?? 1
            let minSeconds = (inputObject["min_seconds"] as? NSNumber)?.doubleValue ?? 0
            let output: String
            let timings: [Int]
            switch message["function"] as? String {
            case "objective":
                var value = 0.0
                timings = timed(minRuns: minRuns, minSeconds: minSeconds) { value = gmm.objective(using: tape) }
                output = try json(value)
            case "jacobian":
                var g: GMMObjective.Gradient? = nil
                timings = timed(minRuns: minRuns, minSeconds: minSeconds) { g = gmm.gradient(using: tape) }
                output = "{\"alpha\":\(try json(g!.alpha)),\"mu\":\(try json(g!.mu)),\"q\":\(try json(g!.q)),\"l\":\(try json(g!.l))}"
            default:
                throw ToolError(description: "unknown function \(message["function"] ?? "none")")
            }
            let timingText = "[" + timings.map { "{\"name\":\"evaluate\",\"nanoseconds\":\($0)}" }.joined(separator: ",") + "]"
            reply([("id", "\(id)"), ("success", "true"), ("output", output), ("timings", timingText)])
        } catch {
            reply([("id", "\(id)"), ("success", "false"), ("error", quoted("\(error)"))])
        }
    case "analysis":
        reply([("id", "\(id)")])
    default:
        reply([("id", "\(id)")])
    }
}
