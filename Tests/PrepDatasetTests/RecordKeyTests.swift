import Testing
@testable import PrepDataset

struct RecordKeyTests {
    @Test func rowKeysAreZeroPaddedToNineDigits() {
        #expect(RecordKey.forRow(0) == "000000000")
        #expect(RecordKey.forRow(123) == "000000123")
        #expect(RecordKey.forRow(1_234_567_890) == "1234567890")
    }

    @Test func sanitisedKeysHoldNoDotsOrSlashes() {
        #expect(RecordKey.sanitize("img.001") == "img_001")
        #expect(RecordKey.sanitize("a/b c") == "a_b_c")
        #expect(RecordKey.sanitize("café") == "caf_")
        #expect(RecordKey.sanitize("ok-key_9") == "ok-key_9")
        #expect(RecordKey.sanitize("") == nil)
    }

    @Test func failureCategoryIsTheTextBeforeTheFirstColon() {
        #expect(RecordFailure.category(of: "corrupt image: a.png: bad") == "corrupt image")
        #expect(RecordFailure.category(of: "no colon") == "no colon")
    }
}
