package dev.virtchain.daemon.commands;

import dev.virtchain.daemon.control.CommandFailure;
import dev.virtchain.daemon.domains.Services;
import dev.virtchain.daemon.ledger.StoredLedger;
import dev.virtchain.model.Ledger;

/** What every command handler works with: the daemon's services, the operation modes, the jobs and the schedule. */
record Context(Services services, Operations operations, Jobs jobs, PolicySchedules schedules) {

    static Context of(Services services, PolicySchedules schedules) {
        Jobs jobs = new Jobs(services.runner(), services.book(), services.host());
        return new Context(services, new Operations(services.runner(), jobs), jobs, schedules);
    }

    StoredLedger stored(String domain) throws CommandFailure {
        return ManagedDomain.require(services.book(), services.host(), domain);
    }

    Ledger ledger(String domain) throws CommandFailure {
        return stored(domain).ledger();
    }
}
