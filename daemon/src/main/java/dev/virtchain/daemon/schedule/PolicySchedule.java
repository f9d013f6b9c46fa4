package dev.virtchain.daemon.schedule;

import dev.virtchain.daemon.LogScope;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs snapshot policies on their cron schedules: one Quartz cron trigger per
 * {@link Assignment}, each calling {@link PolicyRun#run(String, dev.virtchain.daemon.config.Policy)}.
 *
 * <p><b>Missed runs.</b> Quartz's in-memory store forgets everything at exit, so each
 * assignment's last fire time is recorded in the state directory before its run starts. When
 * an assignment is (re)scheduled, if one or more of its fire times passed since then (the
 * daemon was down, or the host asleep), it fires once at once: a snapshot policy wants the
 * latest point in time, not one snapshot per missed tick. An assignment seen for the first
 * time only records when it was first seen, so a new policy does not fire on start.
 *
 * <p><b>Failures.</b> A run that throws is logged and recorded (time and message) for its
 * assignment; every other assignment, and the next run of this one, go on as scheduled.
 *
 * <p>Runs of one assignment never overlap; different assignments run in parallel on a few
 * threads (the executor, not this class, enforces the host's block-job limit).
 */
public final class PolicySchedule implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PolicySchedule.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    static final String RECORD_FILE = "schedule-runs.json";

    private final PolicyRun run;
    private final Clock clock;
    private final RunRecords records;
    private final Scheduler scheduler;
    private final Map<JobKey, Assignment> assignments = new ConcurrentHashMap<>();
    private final Set<JobKey> running = ConcurrentHashMap.newKeySet();
    private final Map<RunCount, java.util.concurrent.atomic.LongAdder> runCounts = new ConcurrentHashMap<>();

    /** Runs of one policy that ended one way ({@code succeeded} or {@code failed}), for the metrics. */
    public record RunCount(String policy, String result) {}

    /**
     * One assignment with its recorded history, for the metrics: the policy itself (its schedule
     * and retention say what "fresh" and "pruned" mean) and when it last succeeded and failed.
     */
    public record AssignmentRuns(Assignment assignment, Instant lastSuccess, Instant lastFailure, boolean running) {}

    /**
     * @param threads runs that may be under way at once across all assignments
     */
    public PolicySchedule(Path stateDir, PolicyRun run, Clock clock, int threads) throws ScheduleException {
        this.run = Objects.requireNonNull(run, "run");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.records = new RunRecords(stateDir.resolve(RECORD_FILE));
        this.records.load();
        Properties p = new Properties();
        // Quartz keeps schedulers in a JVM-wide registry by name; tests run several at once.
        p.setProperty("org.quartz.scheduler.instanceName", "virtchain-policies-" + INSTANCES.incrementAndGet());
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
        p.setProperty("org.quartz.threadPool.threadNamePrefix", "policy-run");
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        try {
            scheduler = new StdSchedulerFactory(p).getScheduler();
            scheduler.setJobFactory((bundle, s) -> new Fire(this));
        } catch (SchedulerException e) {
            throw new ScheduleException(null, null, "cannot create the policy scheduler: " + e.getMessage(), e);
        }
    }

    /** Starts firing triggers (including catch-up fires decided by {@link #assign}). */
    public void start() throws ScheduleException {
        try {
            scheduler.start();
        } catch (SchedulerException e) {
            throw new ScheduleException(null, null, "cannot start the policy scheduler: " + e.getMessage(), e);
        }
    }

    /**
     * Makes the triggers match {@code wanted}: assignments no longer wanted lose their trigger,
     * new ones get one (and a catch-up fire when a run was missed), unchanged ones keep theirs.
     * Called at start and whenever domains are defined or undefined or policies change.
     */
    public synchronized void assign(Collection<Assignment> wanted) throws ScheduleException {
        Map<JobKey, Assignment> next = new LinkedHashMap<>();
        for (Assignment a : wanted) {
            next.put(key(a), a);
        }
        List<JobKey> removed = new ArrayList<>();
        for (Map.Entry<JobKey, Assignment> e : assignments.entrySet()) {
            Assignment now = next.get(e.getKey());
            if (now == null || !now.equals(e.getValue())) {
                removed.add(e.getKey());
            }
        }
        for (JobKey k : removed) {
            Assignment old = assignments.remove(k);
            try {
                scheduler.deleteJob(k);
            } catch (SchedulerException e) {
                throw new ScheduleException(old.policy().name(), old.domain(), "cannot remove its trigger: " + e.getMessage(), e);
            }
        }
        for (Map.Entry<JobKey, Assignment> e : next.entrySet()) {
            if (!assignments.containsKey(e.getKey())) {
                add(e.getKey(), e.getValue());
            }
        }
        log.info("{} policy assignments scheduled", assignments.size());
    }

    private void add(JobKey key, Assignment a) throws ScheduleException {
        JobDetail job = JobBuilder.newJob(Fire.class).withIdentity(key).build();
        CronTrigger trigger = TriggerBuilder.newTrigger()
                .withIdentity(key.getName(), key.getGroup())
                .withSchedule(CronScheduleBuilder.cronSchedule(a.policy().schedule().expression())
                        // A run delayed by busy threads happens once when a thread frees up.
                        .withMisfireHandlingInstructionFireAndProceed())
                .build();
        try {
            scheduler.scheduleJob(job, trigger);
        } catch (SchedulerException e) {
            throw new ScheduleException(a.policy().name(), a.domain(), "cannot schedule '"
                    + a.policy().schedule().source() + "': " + e.getMessage(), e);
        }
        assignments.put(key, a);

        Instant now = clock.instant();
        RunRecords.Run record = records.get(a);
        if (record.coveredUntil() == null) {
            try {
                records.update(a, r -> r.withSince(now));
            } catch (IOException e) {
                log.warn("cannot record when {} was first scheduled: {}", a, e.getMessage());
            }
            return;
        }
        if (missedSince(a, record.coveredUntil(), now)) {
            log.info("{} missed a run since {}; running it once now", a, record.coveredUntil());
            try {
                scheduler.triggerJob(key);
            } catch (SchedulerException e) {
                throw new ScheduleException(a.policy().name(), a.domain(), "cannot fire the missed run: " + e.getMessage(), e);
            }
        }
    }

    /** Whether a fire time of {@code a}'s schedule lies after {@code covered} and not after {@code now}. */
    static boolean missedSince(Assignment a, Instant covered, Instant now) {
        Date next = a.policy().schedule().expression().getNextValidTimeAfter(Date.from(covered));
        return next != null && !next.toInstant().isAfter(now);
    }

    /** Called by Quartz on a worker thread. */
    @SuppressWarnings("try") // the LogScope is used for its side effect on every log line inside
    private void fire(JobKey key) {
        Assignment a = assignments.get(key);
        if (a == null) {
            return; // unassigned while the trigger was firing
        }
        running.add(key);
        try (LogScope scope = LogScope.domain(a.domain()).and(LogScope.OP, "policy " + a.policy().name())) {
            try {
                records.update(a, r -> r.fired(clock.instant()));
            } catch (IOException e) {
                // Run anyway: a missed snapshot is worse than one possibly repeated after a restart.
                log.warn("cannot record the start of this run: {}", e.getMessage());
            }
            log.info("policy run starting");
            try {
                run.run(a.domain(), a.policy());
                count(a, "succeeded");
                record(a, r -> r.succeeded(clock.instant()));
                log.info("policy run finished");
            } catch (Exception | LinkageError | AssertionError e) {
                String message = e.getMessage() == null ? e.toString() : e.getMessage();
                count(a, "failed");
                record(a, r -> r.failed(clock.instant(), message));
                log.error("policy run failed: {}", message, e);
            }
        } finally {
            running.remove(key);
        }
    }

    private void record(Assignment a, java.util.function.UnaryOperator<RunRecords.Run> change) {
        try {
            records.update(a, change);
        } catch (IOException e) {
            log.warn("cannot record the outcome of this run: {}", e.getMessage());
        }
    }

    private void count(Assignment a, String result) {
        runCounts.computeIfAbsent(new RunCount(a.policy().name(), result), k -> new java.util.concurrent.atomic.LongAdder())
                .increment();
    }

    /** Runs since the daemon started, by policy and result. */
    public Map<RunCount, Long> runCounts() {
        Map<RunCount, Long> out = new java.util.HashMap<>();
        runCounts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /**
     * Every current assignment with its history. Unlike {@link #status()} it asks Quartz nothing,
     * so it stays cheap with a thousand assignments.
     */
    public List<AssignmentRuns> runs() {
        List<AssignmentRuns> out = new ArrayList<>(assignments.size());
        for (Map.Entry<JobKey, Assignment> e : assignments.entrySet()) {
            RunRecords.Run r = records.get(e.getValue());
            out.add(new AssignmentRuns(e.getValue(), r.lastSuccess(), r.lastFailure(), running.contains(e.getKey())));
        }
        return out;
    }

    /** Every current assignment with its next and last runs, in policy then domain order. */
    public List<AssignmentStatus> status() {
        List<AssignmentStatus> out = new ArrayList<>();
        for (Map.Entry<JobKey, Assignment> e : assignments.entrySet()) {
            Assignment a = e.getValue();
            RunRecords.Run r = records.get(a);
            Instant next = null;
            try {
                Trigger t = scheduler.getTrigger(TriggerKey.triggerKey(e.getKey().getName(), e.getKey().getGroup()));
                if (t != null && t.getNextFireTime() != null) {
                    next = t.getNextFireTime().toInstant();
                }
            } catch (SchedulerException ex) {
                log.debug("cannot read the next fire time of {}: {}", a, ex.getMessage());
            }
            out.add(new AssignmentStatus(a.policy().name(), a.domain(), a.policy().schedule().source(), next,
                    r.lastFire(), r.lastSuccess(), r.lastFailure(), r.lastFailureMessage(), running.contains(e.getKey())));
        }
        out.sort((x, y) -> x.policy().equals(y.policy()) ? x.domain().compareTo(y.domain()) : x.policy().compareTo(y.policy()));
        return out;
    }

    /** Stops firing; runs under way get {@code grace} to finish before the scheduler lets go of them. */
    public void close(Duration grace) {
        try {
            scheduler.shutdown(false);
        } catch (SchedulerException e) {
            log.warn("stopping the policy scheduler: {}", e.getMessage());
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (!running.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!running.isEmpty()) {
            log.warn("{} policy runs still under way at shutdown; recovery will settle them at the next start",
                    running.size());
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    private static JobKey key(Assignment a) {
        return JobKey.jobKey(a.domain(), a.policy().name());
    }

    /** The Quartz job: one instance per fire, handed to its schedule by the job factory. */
    @DisallowConcurrentExecution
    static final class Fire implements Job {
        private final PolicySchedule owner;

        Fire(PolicySchedule owner) {
            this.owner = owner;
        }

        @Override
        public void execute(JobExecutionContext context) {
            owner.fire(context.getJobDetail().getKey());
        }
    }
}
