// Catalog: import from JSON (async), queries by category, difficulty and location.
package app.studymate.core.tests

import app.studymate.core.*
import app.studymate.core.model.*

val catalogTests = listOf(
    TestCase("catalog: import the demo catalog and query it") {
        val client = Fixture.open()
        val summary = client.importCatalog(Fixture.catalogJson)
        eq(ImportSummary(27, 54, 14), summary, "import summary")
        val all = client.situations(SituationFilter())
        eq(27, all.size, "all situations")
        val greetings = client.situations(SituationFilter(category = "greetings"))
        expect(greetings.isNotEmpty() && greetings.all { it.category == "greetings" }) { "by category: $greetings" }
        val beginner = client.situations(SituationFilter(difficulty = LanguageLevel.BEGINNER))
        expect(beginner.isNotEmpty() && beginner.all { it.difficulty == LanguageLevel.BEGINNER }) { "by difficulty" }
        val daegu = client.situations(SituationFilter(location = "Daegu"))
        expect(daegu.isNotEmpty() && daegu.all { it.targetLocation == "Daegu" && it.locationSpecific }) { "by location" }
        val situation = greetings.first()
        eq(situation, client.situation(situation.id), "one situation")
        val variations = client.variations(situation.id)
        expect(variations.isNotEmpty() && variations.all { it.situationId == situation.id }) { "variations" }
        val variation = client.variation(variations[0].id)
        eq(variations[0], variation, "one variation")
        expect(variation.idealResponses.isNotEmpty() && variation.hintLevels.size == 3) { "scoring references" }
        val achievements = client.achievements()
        eq(14, achievements.size, "achievements")
        expect(achievements.any { it.requirements.contains("sessions_completed") }) { "requirements JSON" }
    },
    TestCase("catalog: re-import replaces, malformed JSON is refused whole") {
        val client = Fixture.withCatalog()
        eq(27, client.importCatalog(Fixture.catalogJson).situations, "re-import")
        val error = throws<StudyMateException.InvalidInput>("malformed catalog") {
            client.importCatalog("""{"situations": [{"id": 1}]}""")
        }
        expect(error.message?.startsWith("catalog is not accepted") == true) { "message: ${error.message}" }
        eq(27, client.situations(SituationFilter()).size, "nothing changed")
    },
)
