// Shipped with the generated bindings: the data observer as a Kotlin Flow.
package app.studymate.core

import app.studymate.core.model.DataChange
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/**
 * Every later committed write of this client, as a cold [Flow]: collecting it subscribes a
 * data observer, cancelling the collector cancels the subscription. Changes are buffered
 * without bound, so a slow collector never blocks the writing thread.
 */
fun StudyMateClient.dataChanges(): Flow<DataChange> = callbackFlow {
    val subscription = subscribe(object : DataObserver {
        override fun onChange(change: DataChange) {
            trySend(change)
        }
    })
    awaitClose { subscription.cancel() }
}.buffer(kotlinx.coroutines.channels.Channel.UNLIMITED)
