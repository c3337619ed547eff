// Practice: a full offline session with scoring and rewards; pause, resume, abandon, history;
// progress, next-up, learning summaries.
package app.studymate.core.tests

import app.studymate.core.*
import app.studymate.core.model.*

val practiceTests = listOf(
    TestCase("practice: a full offline session is scored, fed back and rewarded") {
        val client = Fixture.withCatalog()
        val situation = client.situations(SituationFilter(category = "greetings")).first()
        val variation = client.variations(situation.id).first { it.commonMistakes.isNotEmpty() }
        val session = client.startPractice(situation.id, variation.id)
        eq(SessionStatus.IN_PROGRESS, session.status, "status")
        eq(variation.openingLine, session.turns.single().text, "opening line")
        eq(Speaker.CHARACTER, session.turns.single().speaker, "speaker")
        eq(session.id, client.currentPractice()?.id, "current session")

        val hint = client.useHint(session.id)
        eq(1, hint.level, "first hint")

        val mistake = variation.commonMistakes.first()
        val typed = client.answer(session.id, AnswerInput(text = "Hello, ${mistake.pattern}.", responseTimeMs = 4000))
        expect(typed.mistakes.any { it.correction == mistake.correction }) { "mistake found: ${typed.mistakes}" }
        expect(typed.suggestions.isNotEmpty()) { "suggestions" }
        eq(null, typed.pronunciation, "no pronunciation for typed text")

        eq(SessionStatus.PAUSED, client.pausePractice(session.id).status, "paused")
        throws<StudyMateException.Conflict>("answer while paused") {
            client.answer(session.id, AnswerInput(text = "hello"))
        }
        eq(SessionStatus.IN_PROGRESS, client.resumePractice(session.id).status, "resumed")

        val ideal = variation.idealResponses.first()
        val words = ideal.split(" ").mapIndexed { i, word ->
            RecognizedWord(word, 0.95f, i * 400, i * 400 + 300)
        }
        val spoken = client.answer(session.id, AnswerInput(text = ideal, spoken = words, responseTimeMs = 3000))
        expect(spoken.pronunciation != null && spoken.pronunciationDetail != null) { "spoken answer scored for pronunciation" }
        eq(ReferenceKind.IDEAL, spoken.matched?.kind, "matched the ideal answer")
        expect(spoken.overall > typed.overall) { "ideal ${spoken.overall} beats typed ${typed.overall}" }

        val completion = client.completePractice(session.id)
        eq(SessionStatus.COMPLETED, completion.session.status, "completed")
        expect(completion.session.scores != null && completion.session.feedback != null) { "final scores and feedback" }
        expect(completion.session.localDay != null) { "practice day" }
        expect(completion.awards.any { it.source == PointSource.DAILY_PRACTICE }) { "daily award: ${completion.awards}" }
        expect(completion.balance.available > 0) { "points" }
        eq(completion.awards.sumOf { it.points }, completion.balance.available, "balance is the awards")
        eq(1, completion.streak.current, "streak")
        expect(completion.unlocked.any { it.title == "First Steps" }) { "first achievement: ${completion.unlocked}" }
        eq(null, client.currentPractice(), "nothing open")
        throws<StudyMateException.Conflict>("complete twice") { client.completePractice(session.id) }

        eq(listOf(session.id), client.practiceHistory(null, 10).map { it.id }, "history")
        eq(3, client.practiceSession(session.id).turns.size, "dialogue")

        val progress = client.progress()
        eq(completion.balance, progress.balance, "progress balance")
        eq(completion.level, progress.level, "progress level")
        expect(progress.achievements.any { it.achievement.title == "First Steps" && it.unlockedAt != null }) { "unlocked in progress" }

        val next = client.nextUp(5)
        eq(5, next.size, "next-up length")
        eq((1..5).toList(), next.map { it.recommendation.rank }, "ranks")
        expect(next.all { it.situation.id == it.recommendation.situationId }) { "situations attached" }
        expect(next.any { it.recommendation.reason is RecommendationReason.New }) { "reasons: ${next.map { it.recommendation.reason }}" }

        val day = completion.session.localDay!!
        val daily = client.learningSummary(PeriodType.DAILY, day)
        eq(1, daily.sessionCount, "daily sessions")
        eq(day, daily.periodStart, "daily period")
        val weekly = client.learningSummary(PeriodType.WEEKLY, day)
        expect(weekly.periodStart <= day && weekly.periodEnd >= day) { "week contains the day" }
    },
    TestCase("practice: one open session at a time; abandon gives no points") {
        val client = Fixture.withCatalog()
        val situations = client.situations(SituationFilter())
        val session = client.startPractice(situations[0].id, null)
        throws<StudyMateException.SessionOpen>("second open session") { client.startPractice(situations[1].id, null) }
        eq(SessionStatus.ABANDONED, client.abandonPractice(session.id).status, "abandoned")
        eq(null, client.currentPractice(), "nothing open")
        eq(0L, client.balance().available, "no points")
        eq(SessionStatus.ABANDONED, client.practiceHistory(null, 1).single().status, "in history")
        val again = client.startPractice(situations[1].id, null)
        throws<StudyMateException.Conflict>("complete without answers") {
            client.completePractice(again.id)
        }
    },
)
