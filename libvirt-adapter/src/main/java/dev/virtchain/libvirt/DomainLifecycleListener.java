package dev.virtchain.libvirt;

/**
 * Told about domain lifecycle changes. Called on the adapter's session thread, one event at a
 * time and in libvirt's order; it must not block for long.
 */
@FunctionalInterface
public interface DomainLifecycleListener {
    void onLifecycle(DomainLifecycleEvent event);
}
