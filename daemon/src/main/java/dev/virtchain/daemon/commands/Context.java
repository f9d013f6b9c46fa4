package dev.virtchain.daemon.commands;

import dev.virtchain.libvirt.image.ImageChain;
import dev.virtchain.libvirt.image.ImageInfo;
import dev.virtchain.libvirt.image.ImageMap;

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

    /**
     * The ledger of a domain this host manages. A ledger kept from before the domain was
     * excluded (manage, manage-match, manage-exclude) does not make it managed: it is refused
     * with the reason, and left as it is.
     */
    StoredLedger stored(String domain) throws CommandFailure {
        var verdict = services.domains().roster().verdict(domain);
        if (verdict.isPresent() && !verdict.get().managed()) {
            throw new CommandFailure(dev.virtchain.daemon.control.ErrorCode.UNKNOWN_DOMAIN, "domain " + domain
                    + " is not managed on this host (" + verdict.get().why() + "); 'virtchain domains' lists why each"
                    + " domain is or is not managed").withDomain(domain);
        }
        try {
            services.domains().awaitChecked(domain);
        } catch (RuntimeException e) {
            throw Failures.of(e, domain);
        }
        return ManagedDomain.require(services.book(), services.host(), domain);
    }

    Ledger ledger(String domain) throws CommandFailure {
        return stored(domain).ledger();
    }

    /** One image of the ledger as its header says, after its chain was checked against the image roots. */
    ImageInfo imageInfo(Ledger ledger, String image) {
        ImageChain chain = services.files().chain(ledger, image);
        return services.qemuImg().info(chain.top().file(), chain.top().format());
    }

    /** Where the guest bytes of an image's chain live, the chain named to qemu-img with its formats. */
    ImageMap imageMap(Ledger ledger, String image) {
        return services.qemuImg().map(services.files().chain(ledger, image));
    }
}
