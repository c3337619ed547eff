// Foreign traits: the data-change observer and the logger.
package app.studymate.core.tests

import app.studymate.core.*
import java.util.UUID
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.runBlocking

class RecordingObserver : DataObserver {
    val changes = CopyOnWriteArrayList<DataChange>()
    override fun onChange(change: DataChange) {
        changes.add(change)
    }
}

class RecordingLogger : Logger {
    val records = CopyOnWriteArrayList<LogRecord>()
    override fun log(record: LogRecord) {
        records.add(record)
    }
}

val observerTests = listOf(
    TestCase("observer: each successful write reports its areas and rooms; reads and failures do not") {
        val client = Fixture.open()
        val observer = RecordingObserver()
        client.setObserver(observer)
        client.addInterest("travel")
        eq(listOf(DataChange(listOf(DataArea.INTERESTS), emptyList())), observer.changes.toList(), "interest write")
        runBlocking { client.importCatalog(Fixture.catalogJson) }
        eq(listOf(DataArea.CATALOG), observer.changes.last().areas, "async import")
        client.profile()
        client.situations(SituationFilter())
        runCatching { client.updateProfile(ProfilePatch(timeZone = "Nowhere/Never")) }
        eq(2, observer.changes.size, "reads and failed writes are silent")

        val friend = UUID.randomUUID()
        client.saveContact(client.profile().copy(userId = friend, username = null))
        val room = client.createDirectRoom(friend)
        client.sendMessage(room.id, NewMessage(MessageType.TEXT, content = "hi"))
        eq(DataChange(listOf(DataArea.CHAT_MESSAGES), listOf(room.id)), observer.changes.last(), "message write names its room")

        val situation = client.situations(SituationFilter()).first()
        val variation = client.variations(situation.id).first()
        val session = client.startPractice(situation.id, variation.id)
        client.answer(session.id, AnswerInput(text = variation.idealResponses.first()))
        runBlocking { client.completePractice(session.id) }
        val completed = observer.changes.last().areas
        expect(completed.containsAll(listOf(DataArea.PRACTICE, DataArea.POINTS, DataArea.ACHIEVEMENTS))) { "completion: $completed" }

        client.setObserver(null)
        val count = observer.changes.size
        client.addInterest("food")
        eq(count, observer.changes.size, "removed observer hears nothing")
    },
    TestCase("observer: an observer that throws does not fail the committed write") {
        val client = Fixture.open()
        client.setObserver(object : DataObserver {
            override fun onChange(change: DataChange) = throw IllegalStateException("observer bug")
        })
        eq(listOf("kept"), client.addInterest("kept"), "write returned")
        eq(listOf("kept"), client.interests(), "write committed")
    },
    TestCase("logger: receives the library's tracing output at the chosen level") {
        val logger = RecordingLogger()
        expect(setLogger(logger, LogLevel.INFO)) { "installed as the process's subscriber" }
        try {
            val client = Fixture.open()
            runBlocking { client.importCatalog(Fixture.catalogJson) }
            val records = logger.records.toList()
            expect(records.all { it.level >= LogLevel.INFO }) { "levels: ${records.map { it.level }}" }
            expect(records.any { it.target.startsWith("studymate_core") && it.message.contains("database opened") }) { "open: $records" }
            expect(records.any { it.message.startsWith("catalog imported") && it.message.contains("situations=27") }) { "import: $records" }
        } finally {
            clearLogger()
        }
        val count = logger.records.size
        Fixture.open()
        eq(count, logger.records.size, "cleared logger hears nothing")
    },
)

val lifecycleTests = listOf(
    TestCase("lifecycle: calls after closeDatabase() throw Closed; close() releases the handle") {
        val path = Fixture.dbPath()
        val client = Fixture.open(path)
        client.addInterest("kept")
        client.closeDatabase()
        expect(client.isClosed()) { "closed" }
        eq("closed", describe(throws<StudyMateException.Closed>("read after close") { client.profile() }), "switch")
        throws<StudyMateException.Closed>("write after close") { client.addInterest("lost") }
        throws<StudyMateException.Closed>("async after close") { runBlocking { client.importCatalog("{}") } }
        client.closeDatabase()
        client.close()
        throws<IllegalStateException>("call on a released handle") { client.isClosed() }
        Fixture.open(path).use { reopened -> eq(listOf("kept"), reopened.interests(), "data survives") }
    },
    TestCase("lifecycle: one client shared by 8 threads") {
        val client = Fixture.open()
        val failures = CopyOnWriteArrayList<Throwable>()
        val threads = (0 until 8).map { n ->
            Thread {
                try {
                    repeat(25) { i ->
                        client.addInterest("t$n-$i")
                        client.profile()
                    }
                } catch (e: Throwable) {
                    failures.add(e)
                }
            }.apply { start() }
        }
        threads.forEach { it.join() }
        eq(emptyList<Throwable>(), failures.toList(), "failures")
        eq(200, client.interests().size, "every write landed")
    },
)
