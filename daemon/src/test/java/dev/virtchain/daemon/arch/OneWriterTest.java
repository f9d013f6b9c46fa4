package dev.virtchain.daemon.arch;

import static com.tngtech.archunit.core.domain.JavaAccess.Predicates.target;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.virtchain.daemon.exec.OperationRunner;
import dev.virtchain.daemon.ledger.LedgerBook;
import dev.virtchain.daemon.ledger.LedgerStore;
import dev.virtchain.daemon.ledger.StoredLedger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every change to a ledger file is one of the executor's operations: no class outside the
 * executor and the ledger store writes, retires or makes a stored ledger, and inside the
 * executor only {@link OperationRunner} does. (The rule reads the compiled classes, so a new
 * writer anywhere fails the build here, naming the class and line.)
 */
class OneWriterTest {
    private static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.virtchain");
    }

    /** Calls that write a ledger file or make the value one is written from. */
    private static DescribedPredicate<JavaAccess<?>> writesALedger() {
        DescribedPredicate<JavaAccess<?>> book = target(owner(JavaClass.Predicates.assignableTo(LedgerBook.class)))
                .and(target(nameMatching("save|retire")));
        DescribedPredicate<JavaAccess<?>> store = target(owner(JavaClass.Predicates.assignableTo(LedgerStore.class)))
                .and(target(nameMatching("save|retire")));
        DescribedPredicate<JavaAccess<?>> stored = target(owner(JavaClass.Predicates.assignableTo(StoredLedger.class)))
                .and(target(nameMatching("<init>|idle")));
        return book.or(store).or(stored).as("writes a ledger (LedgerBook/LedgerStore save or retire, a new StoredLedger)");
    }

    @Test
    void onlyTheExecutorAndTheLedgerStoreWriteLedgers() {
        noClasses().that().resideOutsideOfPackages("dev.virtchain.daemon.exec..", "dev.virtchain.daemon.ledger..")
                .should().accessTargetWhere(writesALedger())
                .because("every ledger change goes through the journalled executor, under the disk claims")
                .check(production);
    }

    @Test
    void insideTheExecutorOnlyTheOperationRunnerWrites() {
        noClasses().that().resideInAPackage("dev.virtchain.daemon.exec..")
                .and().doNotBelongToAnyOf(OperationRunner.class)
                .should().accessTargetWhere(writesALedger())
                .because("the operation runner records each step before it writes")
                .check(production);
    }
}
