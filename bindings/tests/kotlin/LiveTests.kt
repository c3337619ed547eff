// Live sync through the bindings against the real reference server: with live sync running on
// both clients and no sync call, A's message reaches B's database and B's data subscription; the
// live observer hears the channel open; a second start is Conflict; stop (suspending) ends it.
package app.studymate.core.tests

import app.studymate.core.*
import app.studymate.core.model.*
import java.util.Collections
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.delay

/** Waits up to 30 s for `condition`, failing with `what`. */
private suspend fun awaitTrue(what: String, condition: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
    while (!condition()) {
        expect(System.nanoTime() < deadline) { "timed out waiting for $what" }
        delay(20)
    }
}

val liveTests = listOf(
    TestCase("live: A's message reaches B and B's data subscription with no sync call") {
        TestServer().use { server ->
            val a = Fixture.open()
            val b = Fixture.open()
            val sessionA = signUpFor(server.base, a, "lena")
            val sessionB = signUpFor(server.base, b, "liam")
            val options = SyncOptions(baseUrl = server.base)
            b.sync(options, sessionB.tokenProvider(), null, null)
            val liam = b.profile()
            a.saveContact(PublicProfile(userId = liam.userId, displayName = liam.displayName, languageLevel = liam.languageLevel, updatedAt = liam.updatedAt))
            val room = a.createDirectRoom(b.userId())

            val observer = RecordingObserver()
            val subscription = b.subscribe(observer)
            val opened = CompletableFuture<Boolean>()
            val failures = Collections.synchronizedList(mutableListOf<StudyMateException>())
            val liveB = b.startLiveSync(options, sessionB.tokenProvider(), object : LiveObserver {
                override fun connectionChanged(connected: Boolean) { if (connected) opened.complete(true) }
                override fun syncFailed(error: StudyMateException) { failures += error }
            })
            val liveA = a.startLiveSync(options, sessionA.tokenProvider(), null)
            eq(true, opened.get(30, TimeUnit.SECONDS), "B's channel opened")
            val second = throws<StudyMateException.Conflict>("a second start") {
                b.startLiveSync(options, sessionB.tokenProvider(), null)
            }
            expect(!second.message.isNullOrBlank()) { "a sentence: ${second.message}" }
            eq("LiveSync(running)", liveB.toString(), "toString")

            val sent = a.sendMessage(room.id, NewChatMessage(ChatMessageType.TEXT, content = "live hello"))
            awaitTrue("the message on B") {
                // The room itself arrives with the same pull.
                b.rooms().any { it.id == room.id } && b.messages(room.id, null, 10).messages.any { it.id == sent.id && it.sendState == ChatSendState.SENT }
            }
            awaitTrue("B's data subscription") {
                observer.changes.toList().any { DataArea.CHAT_MESSAGES in it.areas && room.id in it.rooms }
            }
            eq(0L, a.syncStatus().outbox, "A pushed without a sync call")
            liveA.stop()
            liveB.stop()
            subscription.cancel()
            eq(false, liveB.isRunning(), "stopped")
            eq("LiveSync(stopped)", liveB.toString(), "toString after stop")
            eq(emptyList<StudyMateException>(), failures.toList(), "no failed run")
        }
    },
)
