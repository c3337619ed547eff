// Live sync through the bindings against the real reference server: with live sync running on
// both clients and no sync call, A's message reaches B's database and B's data observer; the
// live observer hears the channel open; a second start is Conflict; stop ends it.
package app.studymate.core.tests

import app.studymate.core.*
import java.util.Collections
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking

/** Waits up to 30 s for `condition`, failing with `what`. */
private fun awaitTrue(what: String, condition: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
    while (!condition()) {
        expect(System.nanoTime() < deadline) { "timed out waiting for $what" }
        Thread.sleep(20)
    }
}

val liveTests = listOf(
    TestCase("live: A's message reaches B and B's data observer with no sync call") {
        TestServer().use { server ->
            runBlocking {
                val a = Fixture.open()
                val b = Fixture.open()
                val sessionA = signUpFor(server.base, a, "lena")
                val sessionB = signUpFor(server.base, b, "liam")
                val options = SyncOptions(baseUrl = server.base)
                b.sync(options, sessionB.tokenProvider(), null, null)
                a.saveContact(b.profile())
                val room = a.createDirectRoom(b.userId())

                val changes = Collections.synchronizedList(mutableListOf<DataChange>())
                b.setObserver(object : DataObserver {
                    override fun onChange(change: DataChange) { changes += change }
                })
                val opened = CompletableFuture<Boolean>()
                val failures = Collections.synchronizedList(mutableListOf<StudyMateException>())
                val liveB = b.startLiveSync(options, sessionB.tokenProvider(), object : LiveObserver {
                    override fun connectionChanged(connected: Boolean) { if (connected) opened.complete(true) }
                    override fun syncFailed(error: StudyMateException) { failures += error }
                })
                val liveA = a.startLiveSync(options, sessionA.tokenProvider(), null)
                eq(true, opened.get(30, TimeUnit.SECONDS), "B's channel opened")
                throws<StudyMateException.Conflict>("a second start") {
                    b.startLiveSync(options, sessionB.tokenProvider(), null)
                }

                val sent = a.sendMessage(room.id, NewMessage(MessageType.TEXT, content = "live hello"))
                awaitTrue("the message on B") {
                    // The room itself arrives with the same pull.
                    b.rooms().any { it.id == room.id } && b.messages(room.id, null, 10u).messages.any { it.id == sent.id && it.sendState == SendState.SENT }
                }
                awaitTrue("B's data observer") {
                    changes.toList().any { DataArea.CHAT_MESSAGES in it.areas && room.id in it.rooms }
                }
                eq(0uL, a.syncStatus().outbox, "A pushed without a sync call")
                liveA.stop()
                liveB.stop()
                eq(false, liveB.isRunning(), "stopped")
                eq(emptyList<StudyMateException>(), failures.toList(), "no failed run")
            }
        }
    },
)
