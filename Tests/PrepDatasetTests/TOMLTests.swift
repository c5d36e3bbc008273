import Testing
@testable import PrepDataset

@Suite("TOML")
struct TOMLTests {
    /// The error `text` is rejected with; records an issue if it parses.
    private func error(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> TOMLError? {
        do {
            let parsed = try TOML.parse(text)
            Issue.record("parsed but should not: \(parsed)", sourceLocation: sourceLocation)
        } catch let error as TOMLError {
            return error
        } catch {
            Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test func manifestExample() throws {
        let text = """
            # A run manifest
            name = "fill50k-small"   # trailing comment
            version = 2

            [source]
            path = 'data/fill50k/prompt.json'
            image-col = "target"

            [stages.canny]
            low = 100
            high = 200
            enabled = true

            [stages.depth]
            model = "midas_small"
            scale = 0.5
            """
        let root = try TOML.parse(text)
        #expect(root["name"] == .string("fill50k-small"))
        #expect(root["version"]?.int == 2)
        #expect(root["source"]?["path"]?.string == "data/fill50k/prompt.json")
        #expect(root["source"]?["image-col"]?.string == "target")
        #expect(root["stages"]?["canny"] == .table(["low": .integer(100), "high": .integer(200), "enabled": .bool(true)]))
        #expect(root["stages"]?["depth"]?["scale"]?.double == 0.5)
        #expect(root.keys.sorted() == ["name", "source", "stages", "version"])
    }

    @Test func emptyDocumentAndCommentsOnly() throws {
        #expect(try TOML.parse("").isEmpty)
        #expect(try TOML.parse("# nothing\n\n   # at all\r\n").isEmpty)
    }

    @Test func keys() throws {
        let root = try TOML.parse("""
            bare_key-1 = 1
            "quoted key" = 2
            'literal "key"' = 3
            "" = 4
            a.b.c = 5
            a . b . d = 6
            site."google.com" = true
            1234 = "digits"
            """)
        #expect(root["bare_key-1"] == .integer(1))
        #expect(root["quoted key"] == .integer(2))
        #expect(root["literal \"key\""] == .integer(3))
        #expect(root[""] == .integer(4))
        #expect(root["a"] == .table(["b": .table(["c": .integer(5), "d": .integer(6)])]))
        #expect(root["site"]?["google.com"] == .bool(true))
        #expect(root["1234"] == .string("digits"))
    }

    @Test func tables() throws {
        let root = try TOML.parse("""
            top = 0
            [a.b.c]
            x = 1
            [a]          # defining a super-table after its sub-table is allowed
            y = 2
            [a.b]
            z = 3
            [ "quoted" . plain ]
            w = 4
            [empty]
            """)
        #expect(root["a"]?["b"]?["c"]?["x"] == .integer(1))
        #expect(root["a"]?["y"] == .integer(2))
        #expect(root["a"]?["b"]?["z"] == .integer(3))
        #expect(root["quoted"]?["plain"]?["w"] == .integer(4))
        #expect(root["empty"] == .table([:]))
        #expect(root["top"] == .integer(0))
    }

    @Test func strings() throws {
        let root = try TOML.parse(#"""
            basic = "tab\there \"quoted\" back\\slash\nnew line"
            unicode = "caf\u00e9 \U0001F431 猫"
            controls = "\b\f\r"
            literal = 'C:\path\no escapes "here"'
            empty = ""
            emptyLiteral = ''
            hash = "# not a comment"
            """#)
        #expect(root["basic"]?.string == "tab\there \"quoted\" back\\slash\nnew line")
        #expect(root["unicode"]?.string == "café 🐱 猫")
        #expect(root["controls"]?.string == "\u{8}\u{C}\r")
        #expect(root["literal"]?.string == #"C:\path\no escapes "here""#)
        #expect(root["empty"]?.string == "")
        #expect(root["emptyLiteral"]?.string == "")
        #expect(root["hash"]?.string == "# not a comment")
    }

    @Test func integers() throws {
        let root = try TOML.parse("""
            a = 42
            b = +17
            c = -5
            d = 0
            e = 1_000_000
            f = -0
            g = 0xDEAD_beef
            h = 0o755
            i = 0b1101
            j = 9223372036854775807
            """)
        #expect(root["a"] == .integer(42))
        #expect(root["b"] == .integer(17))
        #expect(root["c"] == .integer(-5))
        #expect(root["d"] == .integer(0))
        #expect(root["e"] == .integer(1_000_000))
        #expect(root["f"] == .integer(0))
        #expect(root["g"] == .integer(0xDEADBEEF))
        #expect(root["h"] == .integer(0o755))
        #expect(root["i"] == .integer(13))
        #expect(root["j"] == .integer(Int.max))
    }

    @Test func floats() throws {
        let root = try TOML.parse("""
            a = 3.1415
            b = -0.01
            c = 5e+22
            d = 1e06
            e = -2E-2
            f = 6.626e-34
            g = 224_617.445_991
            h = inf
            i = -inf
            j = nan
            k = +1.5
            """)
        #expect(root["a"] == .float(3.1415))
        #expect(root["b"] == .float(-0.01))
        #expect(root["c"] == .float(5e22))
        #expect(root["d"] == .float(1e6))
        #expect(root["e"] == .float(-0.02))
        #expect(root["f"] == .float(6.626e-34))
        #expect(root["g"] == .float(224617.445991))
        #expect(root["h"] == .float(.infinity))
        #expect(root["i"] == .float(-.infinity))
        #expect(root["j"]?.double?.isNaN == true)
        #expect(root["k"] == .float(1.5))
    }

    @Test func booleans() throws {
        let root = try TOML.parse("yes = true\nno = false\n")
        #expect(root["yes"]?.bool == true)
        #expect(root["no"]?.bool == false)
    }

    @Test func arrays() throws {
        let root = try TOML.parse("""
            empty = []
            ints = [1, 2, 3]
            mixed = ["a", 1, 2.5, true]
            nested = [[1, 2], ["x"], []]
            multi = [
              "one",   # comment inside
              "two",

              "three", # trailing comma
            ]
            tables = [{ a = 1 }, { a = 2, b = "x" }]
            after = 1
            """)
        #expect(root["empty"] == .array([]))
        #expect(root["ints"] == .array([.integer(1), .integer(2), .integer(3)]))
        #expect(root["mixed"] == .array([.string("a"), .integer(1), .float(2.5), .bool(true)]))
        #expect(root["nested"] == .array([.array([.integer(1), .integer(2)]), .array([.string("x")]), .array([])]))
        #expect(root["multi"]?.array?.compactMap(\.string) == ["one", "two", "three"])
        #expect(root["tables"] == .array([.table(["a": .integer(1)]), .table(["a": .integer(2), "b": .string("x")])]))
        #expect(root["after"] == .integer(1))
    }

    @Test func inlineTables() throws {
        let root = try TOML.parse("""
            point = { x = 1, y = 2 }
            empty = {}
            nested = { inner = { deep = "yes" }, list = [1, 2], dotted.key = 3 }
            """)
        #expect(root["point"] == .table(["x": .integer(1), "y": .integer(2)]))
        #expect(root["empty"] == .table([:]))
        #expect(root["nested"]?["inner"]?["deep"]?.string == "yes")
        #expect(root["nested"]?["list"] == .array([.integer(1), .integer(2)]))
        #expect(root["nested"]?["dotted"]?["key"] == .integer(3))
    }

    @Test func accessors() {
        #expect(TOMLValue.integer(3).double == 3.0)
        #expect(TOMLValue.float(3).int == nil)
        #expect(TOMLValue.string("x").bool == nil)
        #expect(TOMLValue.array([.bool(true)]).array == [.bool(true)])
        #expect(TOMLValue.table(["a": .integer(1)]).table == ["a": .integer(1)])
        #expect(TOMLValue.integer(1)["a"] == nil)
        #expect(TOMLValue.bool(true).typeName == "boolean")
    }

    @Test func crlfAndByteOrderMark() throws {
        let root = try TOML.parse("\u{FEFF}a = 1\r\n[t]\r\nb = [\r\n 2,\r\n]\r\n")
        #expect(root["a"] == .integer(1))
        #expect(root["t"]?["b"] == .array([.integer(2)]))
    }

    // MARK: Errors

    @Test func duplicateDefinitions() {
        #expect(error("a = 1\na = 2") == TOMLError(line: 2, message: "duplicate key 'a'"))
        #expect(error("a.b = 1\na.b = 2")?.message == "duplicate key 'a.b'")
        #expect(error("[t]\nx = 1\n[u]\n[t]\n")?.line == 4)
        #expect(error("[t]\n[t]")?.message == "table [t] is defined twice")
        #expect(error("a = 1\n[a]")?.message == "key 'a' is already an integer, not a table")
        #expect(error("a = 1\na.b = 2")?.message.contains("already an integer") == true)
        #expect(error("a.b = 1\n[a]")?.message.contains("dotted keys") == true)
        #expect(error("p = { x = 1 }\np.y = 2")?.message.contains("inline table") == true)
        #expect(error("p = { x = 1 }\n[p]")?.message.contains("inline table") == true)
        #expect(error("p = { x = 1, x = 2 }")?.message.contains("duplicate key 'x'") == true)
        #expect(error("[a.b]\nc = 1\n[a]\nb.d = 2")?.message.contains("[header]") == true)
        #expect(error("\"a\" = 1\na = 2")?.message == "duplicate key 'a'")
    }

    @Test func syntaxErrors() {
        let cases: [(String, Int, String)] = [
            ("a = ", 1, "expected a value"),
            ("a = \n", 1, "expected a value"),
            ("a 1", 1, "expected '='"),
            ("= 1", 1, "expected a key"),
            ("\n\na = 1 2", 3, "expected a new line"),
            ("a = \"unterminated", 1, "unterminated string"),
            ("a = \"line\nbreak\"", 1, "unterminated string"),
            ("a = 'open", 1, "unterminated literal string"),
            ("a = \"bad \\q escape\"", 1, "invalid escape"),
            ("a = \"\\u12\"", 1, "invalid unicode escape"),
            ("a = \"\\uD800\"", 1, "not a valid scalar"),
            ("a = bare", 1, "strings must be quoted"),
            ("a = 1__000", 1, "invalid number"),
            ("a = _1", 1, "invalid number"),
            ("a = 1_", 1, "invalid number"),
            ("a = 012", 1, "leading zeros"),
            ("a = 1.", 1, "invalid number"),
            ("a = .5", 1, "invalid number"),
            ("a = 1e", 1, "invalid number"),
            ("a = 0xZZ", 1, "invalid integer"),
            ("a = 99999999999999999999", 1, "out of range"),
            ("a = [1, 2", 1, "unterminated array"),
            ("a = [1 2]", 1, "expected ',' or ']'"),
            ("a = [\n1,\n2\n", 1, "unterminated array"),
            ("a = { x = 1, }", 1, "trailing comma"),
            ("a = { x = 1\n}", 1, "one line"),
            ("a = { x = 1", 1, "unterminated inline table"),
            ("[a", 1, "expected ']'"),
            ("[]", 1, "expected a key"),
            ("[a] x = 1", 1, "expected a new line"),
            ("a.=1", 1, "expected a key"),
            ("a = \"tab\u{1}\"", 1, "control character"),
        ]
        for (text, line, fragment) in cases {
            guard let found = error(text) else { continue }
            #expect(found.line == line, "\(text.debugDescription): \(found)")
            #expect(found.message.contains(fragment), "\(text.debugDescription): \(found)")
            #expect(found.description.hasPrefix("TOML line \(line): "))
        }
    }

    @Test func unsupportedFeaturesAreRejectedClearly() {
        #expect(error("[[items]]\nname = 1")?.message.contains("arrays of tables") == true)
        #expect(error("d = 1979-05-27T07:32:00Z")?.message.contains("dates and times are not supported") == true)
        #expect(error("d = 1979-05-27")?.message.contains("dates and times") == true)
        #expect(error("t = 07:32:00")?.message.contains("dates and times") == true)
        #expect(error("s = \"\"\"\nmulti\n\"\"\"")?.message.contains("multi-line strings are not supported") == true)
        #expect(error("s = '''\nmulti\n'''")?.message.contains("multi-line strings") == true)
    }
}
