package dev.virtchain.daemon.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.control.ErrorCode;
import dev.virtchain.daemon.exec.OperationRefused;
import dev.virtchain.daemon.exec.OperationRunner;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** How an operation started without waiting answers once it ended with an error. */
class OperationsTest {

    @Test
    void aRunnerErrorKeepsItsTypeAndWhatItNames() {
        CompletableFuture<OperationRunner.Result> done = new CompletableFuture<>();
        OperationRefused busy = new OperationRefused(OperationRefused.Reason.BUSY, "web1", "vda", null,
                "disk vda of web1 is busy");
        done.completeExceptionally(busy);
        CommandFailure f = assertThrows(CommandFailure.class, () -> Operations.result(done, "web1"));
        assertEquals(ErrorCode.BUSY, f.code());
        assertEquals("vda", f.disk());
        assertSame(busy, f.getCause());
    }

    @Test
    void anErrorIsAnsweredAsAFailedOperationNamingTheDomain() {
        CompletableFuture<OperationRunner.Result> done = new CompletableFuture<>();
        StackOverflowError error = new StackOverflowError("deep");
        done.completeExceptionally(error);
        CommandFailure f = assertThrows(CommandFailure.class, () -> Operations.result(done, "web1"));
        assertEquals(ErrorCode.FAILED, f.code());
        assertEquals("web1", f.domain());
        assertSame(error, f.getCause());
        assertTrue(f.getMessage().startsWith("the operation on web1 stopped with an internal error:"), f.getMessage());
    }
}
