// Points ledger, chat and the change log (bindings/tests/kotlin/LedgerChatTests.kt).
import Foundation
import StudyMateCore
import XCTest

final class LedgerTests: XCTestCase {
    func testRecordBalanceHistoryPagesAndStreakFreeze() async throws {
        let client = try await Fixture.open()
        _ = try await client.recordPoints(entry: NewPoints(transactionType: .earned, amount: 300, source: .adminAdjustment, description: "welcome"))
        for _ in 0..<4 { _ = try await client.recordPoints(entry: NewPoints(transactionType: .bonus, amount: 10, source: .referral)) }
        XCTAssertEqual(try client.balance(), PointsBalance(available: 340, lifetimeEarned: 340, used: 0))
        let first = try client.pointHistory(cursor: nil, limit: 3)
        XCTAssertEqual(first.entries.count, 3)
        let second = try client.pointHistory(cursor: try XCTUnwrap(first.nextCursor, "a second page"), limit: 3)
        XCTAssertEqual(second.entries.count, 2)
        XCTAssertEqual(second.entries.last?.description, "welcome", "oldest last")
        let freeze = try await client.buyStreakFreeze()
        XCTAssertEqual(freeze.source, .streakFreeze)
        XCTAssertLessThan(freeze.points, 0, "a debit")
        XCTAssertEqual(try client.progress().streak.freezesHeld, 1)
        XCTAssertEqual(try client.balance().available, 340 + freeze.points, "after the purchase")
    }
}

final class ChatTests: XCTestCase {
    func testRoomsSendEditDeletePagesReadMarkersUnreadCounts() async throws {
        let client = try await Fixture.open()
        let friend = UUID()
        let contact = PublicProfile(userId: friend, displayName: "Emma", languageLevel: .beginner, updatedAt: Date())
        try await client.saveContact(contact: contact)
        XCTAssertEqual(try client.userProfile(userId: friend).displayName, "Emma")
        let direct = try await client.createDirectRoom(other: friend)
        XCTAssertEqual(direct.roomType, .direct)
        let again = try await client.createDirectRoom(other: friend)
        XCTAssertEqual(again.id, direct.id, "one direct room per pair")
        let group = try await client.createGroupRoom(name: "Study group", description: "weekly practice", members: [friend])
        XCTAssertEqual(group.roomType, .group)
        XCTAssertEqual(Set(try client.rooms().map(\.id)), [direct.id, group.id])
        let me = try client.userId()
        XCTAssertEqual(try client.room(roomId: group.id).participants.first { $0.userId == me }?.role, .admin)

        let first = try await client.sendMessage(roomId: direct.id, message: NewChatMessage(messageType: .text, content: "hello"))
        XCTAssertEqual(first.sendState, .pending, "pending until synced")
        var later: [ChatMessage] = []
        for n in 1...3 {
            later.append(try await client.sendMessage(roomId: direct.id, message: NewChatMessage(messageType: .text, content: "m\(n)", replyToId: first.id)))
        }
        let edited = try await client.editMessage(messageId: first.id, content: "hello!")
        XCTAssertTrue(edited.isEdited)
        XCTAssertEqual(edited.content, "hello!")
        XCTAssertNotNil(edited.editedAt)
        let deleted = try await client.deleteMessage(messageId: later[0].id)
        XCTAssertTrue(deleted.isDeleted)
        XCTAssertNotNil(deleted.deletedAt)

        let page = try client.messages(roomId: direct.id, before: nil, limit: 2)
        XCTAssertEqual(page.messages.map(\.id), [later[2].id, later[1].id], "newest first")
        let older = try client.messages(roomId: direct.id, before: try XCTUnwrap(page.nextBefore, "an older page"), limit: 10)
        XCTAssertEqual(older.messages.map(\.id), [later[0].id, first.id])
        XCTAssertNil(older.nextBefore, "start of the room")

        let unread = try await client.markRead(roomId: direct.id, messageId: later[2].id)
        XCTAssertEqual(unread, 0, "own messages are not unread")
        XCTAssertTrue(try client.unreadCounts().allSatisfy { $0.unread == 0 })
    }
}

final class ChangeLogTests: XCTestCase {
    func testEachWriteIsLoggedInOrderWithItsJSONPayload() async throws {
        let client = try await Fixture.open()
        _ = try await client.addInterest(tag: "music")
        _ = try await client.updateProfile(patch: ProfilePatch(intro: "hi there"))
        let changes = try client.changes(afterSeq: 0, limit: 100)
        XCTAssertEqual(changes.suffix(2).map(\.entity), [.userInterest, .profile])
        XCTAssertTrue(zip(changes, changes.dropFirst()).allSatisfy { $0.seq < $1.seq }, "increasing seq")
        XCTAssertTrue(try XCTUnwrap(changes.last).payload.contains("hi there"))
        XCTAssertEqual(try client.changes(afterSeq: try XCTUnwrap(changes.first).seq, limit: 100), Array(changes.dropFirst()), "after a seq")
    }
}
