// The privacy calls from Swift (bindings/tests/kotlin/PrivacyTests.kt): an encrypted database
// opened with its key, a plain one encrypted without losing a row, the key changed, WrongKey for a
// wrong key, the JSON export, wipe (refused while another call holds the client), and a device
// told by the real server that its account was deleted. The disk-heavy calls are async.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import StudyMateCore
import XCTest

private func key(_ byte: UInt8) -> Data { Data(repeating: byte, count: 32) }

private func filesIn(_ path: String) -> [String] {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
}

/// Holds the sync that asks it on its worker thread until `release()`, then refuses.
private final class WaitingTokens: TokenProvider, @unchecked Sendable {
    let asked = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)
    func release() { released.signal() }
    func accessToken() async throws -> String {
        asked.signal()
        // Waits off the cooperative pool: the sync's worker thread waits for this call.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.released.wait()
                done.resume()
            }
        }
        throw TokenError.Unavailable(reason: "released by the test")
    }
    func refresh(context: RefreshContext) async throws -> String { try await accessToken() }
}

/// `DELETE /v1/account` with the session's access token; the HTTP status.
private func deleteAccount(_ base: String, token: String, password: String) async throws -> Int {
    var request = URLRequest(url: URL(string: "\(base)/v1/account")!)
    request.httpMethod = "DELETE"
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = Data("{\"password\": \"\(password)\"}".utf8)
    return try await withCheckedThrowingContinuation { done in
        URLSession.shared.dataTask(with: request) { _, response, error in
            if let error { return done.resume(throwing: error) }
            done.resume(returning: (response as? HTTPURLResponse)?.statusCode ?? 0)
        }.resume()
    }
}

final class PrivacyTests: XCTestCase {
    func testAnEncryptedDatabaseOpensOnlyWithItsKey() async throws {
        XCTAssertTrue(encryptionAvailable(), "the bindings are built with encryption")
        let path = Fixture.dbPath()
        let client = try await StudyMateClient.openEncrypted(path: path, options: OpenOptions(), key: key(1))
        _ = try await client.addInterest(tag: "coffee")
        let user = try client.userId()
        client.closeDatabase()
        XCTAssertFalse(try isPlainDatabase(path: path), "the file is encrypted")
        let wrong = await thrown { _ = try await StudyMateClient.openEncrypted(path: path, options: OpenOptions(), key: key(2)) }
        guard case let StudyMateError.WrongKey(text)? = wrong else { return XCTFail("wrong key: \(String(describing: wrong))") }
        XCTAssertEqual(text, "the database key is wrong, or the file is not encrypted with it")
        XCTAssertEqual(describe(StudyMateError.WrongKey(message: text)), "ask for the key")
        let noKey = await thrown { _ = try await Fixture.open(path) }
        guard case let StudyMateError.StorageCorrupt(noKeyText)? = noKey else { return XCTFail("no key: \(String(describing: noKey))") }
        XCTAssertTrue(noKeyText.contains("encrypted one opens only with its key"), noKeyText)
        let short = await thrown { _ = try await StudyMateClient.openEncrypted(path: path, options: OpenOptions(), key: Data(count: 16)) }
        guard case let StudyMateError.InvalidInput(shortText)? = short else { return XCTFail("short key: \(String(describing: short))") }
        XCTAssertFalse(shortText.contains("field="), shortText)
        let again = try await StudyMateClient.openEncrypted(path: path, options: OpenOptions(), key: key(1))
        XCTAssertEqual(try again.userId(), user, "same user")
        XCTAssertEqual(try again.interests(), ["coffee"])
        again.closeDatabase()
    }

    func testAPlainDatabaseIsEncryptedWithoutLosingARowThenRekeyed() async throws {
        let path = Fixture.dbPath()
        let plain = try await Fixture.open(path)
        _ = try await plain.addInterest(tag: "hiking")
        _ = try await plain.addInterest(tag: "coffee")
        plain.closeDatabase()
        XCTAssertTrue(try isPlainDatabase(path: path), "starts plain")
        try await encryptDatabase(path: path, key: key(3))
        let twice = await failure { try await encryptDatabase(path: path, key: key(3)) }
        XCTAssertEqual(twice, "conflict")
        let client = try await StudyMateClient.openEncrypted(path: path, options: OpenOptions(), key: key(3))
        XCTAssertEqual(try client.interests().sorted(), ["coffee", "hiking"], "rows kept")
        try await client.changeKey(newKey: key(4))
        _ = try await client.addInterest(tag: "jazz")
        client.closeDatabase()
        let old = await failure { _ = try await StudyMateClient.openEncrypted(path: path, options: OpenOptions(), key: key(3)) }
        XCTAssertEqual(old, "ask for the key")
        let rekeyed = try await StudyMateClient.openEncrypted(path: path, options: OpenOptions(), key: key(4))
        XCTAssertEqual(try rekeyed.interests().count, 3, "rows after rekey")
        rekeyed.closeDatabase()
    }

    func testExportDataWritesTheDocumentedJSONAndWipeDeletesTheFiles() async throws {
        let path = Fixture.dbPath()
        let client = try await Fixture.open(path)
        _ = try await client.addInterest(tag: "coffee")
        let export = try await client.exportData()
        XCTAssertTrue(export.contains("\"format\": \"studymate.account-export\""), export)
        XCTAssertTrue(export.contains("\"source\": \"device\""), export)
        XCTAssertTrue(export.contains("\"interest_tag\": \"coffee\""), export)
        XCTAssertFalse(filesIn(path).isEmpty, "files exist")
        try await client.wipe()
        XCTAssertEqual(filesIn(path), [], "files after wipe")
        let after = await failure { _ = try client.userId() }
        XCTAssertEqual(after, "closed")
    }

    func testWipeIsRefusedWhileAnotherCallHoldsTheClientAndNothingIsDeleted() async throws {
        let path = Fixture.dbPath()
        let client = try await Fixture.open(path)
        _ = try await client.addInterest(tag: "coffee")
        // A sync whose token provider waits holds the client on its worker thread.
        let tokens = WaitingTokens()
        let sync = Task { await thrown { _ = try await client.sync(
            options: SyncOptions(baseUrl: "http://127.0.0.1:9"), tokens: tokens, observer: nil, handle: nil) } }
        waitFor(tokens.asked, "the sync asked for a token", seconds: 30)
        let during = await failure { try await client.wipe() }
        XCTAssertEqual(during, "conflict", "wipe during a sync")
        tokens.release()
        let ended = await sync.value
        XCTAssertEqual(ended.map { ($0 as? StudyMateError).map(describe) ?? "\($0)" }, "offline", "the sync ends with Network")
        _ = try await client.addInterest(tag: "jazz")
        XCTAssertEqual(try client.interests().sorted(), ["coffee", "jazz"], "still open, rows kept")
        XCTAssertTrue(filesIn(path).contains("user.db"), "the file is still there")
        client.closeDatabase()
        try await wipeDatabase(path: path)
        XCTAssertEqual(filesIn(path), [], "files after wipeDatabase")
    }

    func testADeletedAccountErasesTheDevicesDataOnItsNextSync() async throws {
        let server = try TestServer()
        defer { server.stop() }
        let path = Fixture.dbPath()
        let client = try await Fixture.open(path)
        _ = try await client.addInterest(tag: "coffee")
        let password = "correct horse battery"
        let session = try await signUp(baseUrl: server.base, request: SignupRequest(
            username: "dora", password: password, displayName: "Dora", userId: try client.userId()))
        let options = SyncOptions(baseUrl: server.base)
        _ = try await client.sync(options: options, tokens: session.tokenProvider(), observer: nil, handle: nil)
        let status = try await deleteAccount(server.base, token: session.tokens().accessToken, password: password)
        XCTAssertEqual(status, 204, "delete")
        let observer = RecordingObserver()
        let subscription = try client.subscribe(observer: observer)
        let next = await failure {
            _ = try await client.sync(options: options, tokens: session.tokenProvider(), observer: nil, handle: nil)
        }
        subscription.cancel()
        XCTAssertEqual(next, "wipe and sign in", "next sync")
        XCTAssertEqual(try client.interests(), [], "local rows erased")
        let everything: [DataArea] = [.profile, .languages, .interests, .onboarding, .contacts, .catalog,
                                      .practice, .points, .achievements, .chatRooms, .chatMessages]
        XCTAssertEqual(observer.changes.first?.areas, everything, "the erase reaches the data observer")
        try await client.wipe()
        XCTAssertEqual(filesIn(path), [], "files after wipe")
    }
}
