// Points ledger, chat and the change log.
package app.studymate.core.tests

import app.studymate.core.*
import app.studymate.core.model.*
import java.util.UUID

val ledgerTests = listOf(
    TestCase("ledger: record, balance, history pages, streak freeze") {
        val client = Fixture.open()
        client.recordPoints(NewPoints(TransactionType.EARNED, 300, PointSource.ADMIN_ADJUSTMENT, description = "welcome"))
        repeat(4) { client.recordPoints(NewPoints(TransactionType.BONUS, 10, PointSource.REFERRAL)) }
        eq(PointsBalance(340, 340, 0), client.balance(), "balance")
        val first = client.pointHistory(null, 3)
        eq(3, first.entries.size, "first page")
        val second = client.pointHistory(first.nextCursor ?: error("a second page"), 3)
        eq(2, second.entries.size, "second page")
        eq("welcome", second.entries.last().description, "oldest last")
        val freeze = client.buyStreakFreeze()
        eq(PointSource.STREAK_FREEZE, freeze.source, "freeze source")
        expect(freeze.points < 0) { "a debit" }
        eq(1, client.progress().streak.freezesHeld, "freezes held")
        eq(340 + freeze.points, client.balance().available, "after the purchase")
    },
)

val chatTests = listOf(
    TestCase("chat: rooms, send, edit, delete, pages, read markers, unread counts") {
        val client = Fixture.open()
        val friend = UUID.randomUUID()
        client.saveContact(PublicProfile(userId = friend, displayName = "Emma", languageLevel = LanguageLevel.BEGINNER, updatedAt = java.time.Instant.now()))
        eq("Emma", client.userProfile(friend).displayName, "contact")
        val direct = client.createDirectRoom(friend)
        eq(ChatRoomType.DIRECT, direct.roomType, "direct room")
        eq(direct.id, client.createDirectRoom(friend).id, "one direct room per pair")
        val group = client.createGroupRoom("Study group", "weekly practice", listOf(friend))
        eq(ChatRoomType.GROUP, group.roomType, "group room")
        eq(setOf(direct.id, group.id), client.rooms().map { it.id }.toSet(), "rooms")
        eq(ChatParticipantRole.ADMIN, client.room(group.id).participants.first { it.userId == client.userId() }.role, "admin")

        val first = client.sendMessage(direct.id, NewChatMessage(ChatMessageType.TEXT, content = "hello"))
        eq(ChatSendState.PENDING, first.sendState, "pending until synced")
        val later = (1..3).map { client.sendMessage(direct.id, NewChatMessage(ChatMessageType.TEXT, content = "m$it", replyToId = first.id)) }
        val edited = client.editMessage(first.id, "hello!")
        expect(edited.isEdited && edited.content == "hello!" && edited.editedAt != null) { "edited: $edited" }
        val deleted = client.deleteMessage(later[0].id)
        expect(deleted.isDeleted && deleted.deletedAt != null) { "deleted: $deleted" }

        val page = client.messages(direct.id, null, 2)
        eq(listOf(later[2].id, later[1].id), page.messages.map { it.id }, "newest first")
        val older = client.messages(direct.id, page.nextBefore ?: error("an older page"), 10)
        eq(listOf(later[0].id, first.id), older.messages.map { it.id }, "older page")
        eq(null, older.nextBefore, "start of the room")

        eq(0L, client.markRead(direct.id, later[2].id), "own messages are not unread")
        val counts = client.unreadCounts()
        expect(counts.all { it.unread == 0 }) { "unread counts: $counts" }
    },
)

val changeLogTests = listOf(
    TestCase("change log: each write is logged, in order, with its JSON payload") {
        val client = Fixture.open()
        client.addInterest("music")
        client.updateProfile(ProfilePatch(intro = "hi there"))
        val changes = client.changes(0, 100)
        eq(listOf(ChangeEntity.USER_INTEREST, ChangeEntity.PROFILE), changes.map { it.entity }.takeLast(2), "entities")
        expect(changes.zipWithNext().all { (a, b) -> a.seq < b.seq }) { "increasing seq" }
        expect(changes.last().payload.contains("hi there")) { "payload: ${changes.last().payload}" }
        eq(changes.drop(1), client.changes(changes.first().seq, 100), "after a seq")
    },
)
