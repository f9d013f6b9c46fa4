package dev.virtchain.libvirt.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code qemu-img} on image files: the offline half of every chain operation, and the
 * allocation facts the planner costs merges by. The only class that starts {@code qemu-img}.
 *
 * <p>Every command is an argument list, never a shell string. Two time limits apply: one for
 * reading metadata ({@code info}, {@code map}, {@code check}, {@code measure}, {@code create}) and
 * one for operations that copy guest data ({@code commit}, {@code rebase}, {@code convert}).
 * A run that exceeds its limit is killed and reported as {@link ImageToolException.TimedOut}.
 *
 * <p>Backing files are always written as names <em>relative to the image's directory</em>, so
 * images never carry absolute host paths (a chain survives a move of its directory, and the
 * ledger can compare names without resolving them). Callers pass absolute paths; the relative
 * name is derived here.
 *
 * <p>Readers ({@code info}, {@code map}, {@code convert}) pass {@code -U}: they do not take
 * QEMU's image locks, so they work while a domain runs. Frozen holders are safe to read that
 * way. The <em>active</em> image of a running domain is not: QEMU caches qcow2 metadata, and the
 * file shows recent writes only after a flush; use libvirt's block info for it. Writers
 * ({@code commit}, {@code rebase}, {@code create} over a chain in use) take the locks, and a
 * running QEMU makes them fail with {@link ImageToolException.ImageInUse}.
 */
public final class QemuImg {
    private static final Logger LOG = LoggerFactory.getLogger(QemuImg.class);

    /** check's exit codes that still come with a JSON report: 2 = corruptions, 3 = leaks. */
    private static final Set<Integer> CHECK_REPORTED = Set.of(0, 2, 3);
    private static final Set<Integer> SUCCESS = Set.of(0);

    private final String executable;
    private final Duration metadataTimeout;
    private final Duration copyTimeout;

    /**
     * @param executable      {@code qemu-img}, or a full path to it
     * @param metadataTimeout limit for commands that only read or write image metadata
     * @param copyTimeout     limit for commands that copy guest data (commit, rebase, convert)
     */
    public QemuImg(String executable, Duration metadataTimeout, Duration copyTimeout) {
        this.executable = Objects.requireNonNull(executable, "executable");
        this.metadataTimeout = positive(metadataTimeout, "metadataTimeout");
        this.copyTimeout = positive(copyTimeout, "copyTimeout");
    }

    /** {@code qemu-img} from the PATH, 2 minutes for metadata, 12 hours for copies. */
    public static QemuImg withDefaults() {
        return new QemuImg("qemu-img", Duration.ofMinutes(2), Duration.ofHours(12));
    }

    // --- creating -------------------------------------------------------------------------------

    /**
     * Creates a new, empty qcow2 overlay on {@code backing}, the way a snapshot is prepared before
     * libvirt is told to reuse it: {@code qemu-img create -f qcow2 -F FMT -b NAME overlay}, where
     * NAME is {@code backing} relative to the overlay's directory. The overlay takes the virtual
     * size of its backing file. Works while a running QEMU writes {@code backing} (only its
     * header is read), which is how a live snapshot is prepared.
     *
     * @throws ImageToolException.Failed if {@code overlay} already exists: qemu-img would silently
     *         overwrite it, and virtchain never reuses a name
     */
    public void createOverlay(Path overlay, Path backing, String backingFormat) {
        requireAbsolute(overlay, backing);
        Objects.requireNonNull(backingFormat, "backingFormat");
        refuseExisting("create", overlay, List.of(overlay, backing));
        run("create", List.of(overlay, backing), metadataTimeout, SUCCESS,
                "create", "-q", "-f", "qcow2", "-F", backingFormat, "-b", relativeName(overlay, backing),
                overlay.toString());
    }

    // --- reading --------------------------------------------------------------------------------

    /**
     * The chain under {@code image} as the image headers describe it, {@code image} first
     * ({@code info --backing-chain --output=json -U}). The top image's format is probed; use
     * {@link #info(Path, String)} when it is known.
     */
    public List<ImageInfo> info(Path image) {
        return info(image, null);
    }

    /** As {@link #info(Path)}, with the top image's format given ({@code -f}) instead of probed. */
    public List<ImageInfo> info(Path image, String format) {
        requireAbsolute(image);
        List<String> args = new ArrayList<>(List.of("info", "--backing-chain", "--output=json", "-U"));
        if (format != null) {
            args.addAll(List.of("-f", format));
        }
        args.add(image.toString());
        String out = run("info", List.of(image), metadataTimeout, SUCCESS, args.toArray(String[]::new)).stdout;
        return parsed("info", List.of(image), out, () -> QemuImgJson.chain(out));
    }

    /** Where each guest byte of {@code image}'s chain lives ({@code map --output=json -U}). */
    public ImageMap map(Path image) {
        requireAbsolute(image);
        String out = run("map", List.of(image), metadataTimeout, SUCCESS,
                "map", "--output=json", "-U", image.toString()).stdout;
        return parsed("map", List.of(image), out, () -> new ImageMap(image, QemuImgJson.extents(out)));
    }

    /**
     * Checks one image's metadata ({@code check --output=json}). Takes the image's lock, so it
     * refuses an image a running QEMU has open ({@link ImageToolException.ImageInUse}): a check
     * of an image being written reports false leaks. Corruptions and leaks are returned, not thrown.
     */
    public ImageCheck check(Path image) {
        requireAbsolute(image);
        String out = run("check", List.of(image), metadataTimeout, CHECK_REPORTED,
                "check", "--output=json", image.toString()).stdout;
        return parsed("check", List.of(image), out, () -> QemuImgJson.check(image, out));
    }

    /** Space a standalone {@code outputFormat} copy of {@code image}'s chain would take. */
    public ImageMeasure measure(Path image, String outputFormat) {
        requireAbsolute(image);
        String out = run("measure", List.of(image), metadataTimeout, SUCCESS,
                "measure", "--output=json", "-U", "-O", outputFormat, image.toString()).stdout;
        return parsed("measure", List.of(image), out, () -> QemuImgJson.measure(out));
    }

    // --- merging --------------------------------------------------------------------------------

    /**
     * Commits {@code top} and every image between it and {@code base} into {@code base}, offline:
     * {@code qemu-img commit -f qcow2 -b BASE TOP}.
     *
     * <p>What it leaves (verified on QEMU 7.2): {@code base} shows what {@code top} showed;
     * {@code top} keeps its data and still shows the same point in time ({@code -b} implies
     * {@code -d}, "do not empty"), so an interrupted commit never loses the top's content;
     * images strictly between them are <em>invalid</em> afterwards (their data now sits under
     * newer data). No backing pointer is rewritten: images above {@code top} still point at it,
     * and images that pointed at the invalid ones must be rebased ({@link RebaseMode#UNSAFE})
     * onto {@code base} before those are deleted.
     */
    public void commit(Path top, Path base) {
        requireAbsolute(top, base);
        run("commit", List.of(base, top), copyTimeout, SUCCESS,
                "commit", "-q", "-f", "qcow2", "-b", base.toString(), top.toString());
    }

    /**
     * Changes {@code image}'s backing file to {@code newBacking} (relative name, format
     * {@code newBackingFormat}), or to none when {@code newBacking} is {@code null}. In
     * {@link RebaseMode#SAFE} this pulls: everything the old chain shows differently from the
     * new one is copied into {@code image} first, so {@code image} keeps its content. Offline
     * only for images a running QEMU has open (else {@link ImageToolException.ImageInUse}); the
     * live pull is libvirt's block rebase.
     */
    public void rebase(Path image, Path newBacking, String newBackingFormat, RebaseMode mode) {
        requireAbsolute(image);
        Objects.requireNonNull(mode, "mode");
        List<String> args = new ArrayList<>(List.of("rebase", "-q", "-f", "qcow2"));
        if (mode == RebaseMode.UNSAFE) {
            args.add("-u");
        }
        List<Path> images = new ArrayList<>(List.of(image));
        if (newBacking == null) {
            args.addAll(List.of("-b", "")); // an empty name: no backing file at all
        } else {
            requireAbsolute(newBacking);
            images.add(newBacking);
            args.addAll(List.of("-b", relativeName(image, newBacking), "-F",
                    Objects.requireNonNull(newBackingFormat, "newBackingFormat")));
        }
        args.add(image.toString());
        run("rebase", images, mode == RebaseMode.SAFE ? copyTimeout : metadataTimeout, SUCCESS,
                args.toArray(String[]::new));
    }

    // --- exporting ------------------------------------------------------------------------------

    /**
     * Writes what {@code source}'s chain shows into a new standalone image {@code dest}
     * ({@code convert -U -O FMT}): a full export, or an offline flatten into a new file.
     */
    public void convert(Path source, Path dest, String format) {
        requireAbsolute(source, dest);
        refuseExisting("convert", dest, List.of(source, dest));
        run("convert", List.of(dest, source), copyTimeout, SUCCESS,
                "convert", "-U", "-O", Objects.requireNonNull(format, "format"), source.toString(), dest.toString());
    }

    /**
     * Writes into a new qcow2 overlay {@code dest} on {@code base} exactly what {@code source}'s
     * chain shows differently from {@code base}'s chain (like {@code rbd export-diff}); {@code base}
     * must be an image below {@code source} in its chain, and {@code dest} names it relatively.
     *
     * <p>Not {@code qemu-img convert -B base}: on QEMU 7.2 that copies only the runs the source's
     * <em>top</em> layer allocates, and silently drops data of layers between the top and the
     * base (measured). Instead {@code dest} is created as an overlay on {@code source} and then
     * safely rebased onto {@code base}, which compares both chains run by run.
     *
     * <p>While the domain runs, {@code source} must be a holder: reading holders works without
     * {@code -U}, but the running QEMU's write lock on the active image makes the rebase fail
     * with {@link ImageToolException.ImageInUse} ({@code rebase -U} does not reach the backing
     * chain of the image being rebased; measured). Export the active state after a snapshot.
     */
    public void convertDiff(Path source, Path base, Path dest) {
        requireAbsolute(source, base, dest);
        String sourceFormat = info(source).get(0).format();
        String baseFormat = info(base).get(0).format();
        createOverlay(dest, source, sourceFormat);
        try {
            rebase(dest, base, baseFormat, RebaseMode.SAFE);
        } catch (ImageToolException e) {
            try {
                Files.deleteIfExists(dest);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    // --- running --------------------------------------------------------------------------------

    private record Output(int exit, String stdout, String stderr) {}

    private interface JsonReader<T> {
        T read() throws JsonProcessingException;
    }

    private static <T> T parsed(String op, List<Path> images, String stdout, JsonReader<T> reader) {
        try {
            return reader.read();
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ImageToolException.Failed(op, images, -1, "",
                    "its JSON output could not be read: " + e.getMessage() + " in: " + abbreviate(stdout), e);
        }
    }

    private Output run(String op, List<Path> images, Duration limit, Set<Integer> okExits, String... args) {
        List<String> command = new ArrayList<>(args.length + 1);
        command.add(executable);
        command.addAll(List.of(args));
        LOG.debug("running {}", command);
        ProcessBuilder pb = new ProcessBuilder(command);
        // Error texts are matched (image locks, missing files): keep them in English.
        pb.environment().put("LC_ALL", "C");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ImageToolException.Failed(op, images, -1, "", "cannot start " + executable + ": " + e.getMessage(), e);
        }
        try {
            p.getOutputStream().close(); // qemu-img never reads stdin; a prompt must not hang us
            CompletableFuture<String> stdout = drain(p.getInputStream(), op + "-stdout");
            CompletableFuture<String> stderr = drain(p.getErrorStream(), op + "-stderr");
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor();
                }
                throw new ImageToolException.TimedOut(op, images, collectAfterKill(stderr), limit);
            }
            Output out = new Output(p.exitValue(), collect(stdout), collect(stderr));
            if (!okExits.contains(out.exit)) {
                throw failure(op, images, out);
            }
            return out;
        } catch (IOException e) {
            throw new ImageToolException.Failed(op, images, -1, "", "cannot talk to qemu-img: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ImageToolException.Failed(op, images, -1, "", "interrupted; the image state is unknown", e);
        }
    }

    private static ImageToolException failure(String op, List<Path> images, Output out) {
        String err = out.stderr.strip();
        // qemu's wording since 2.10 ("Failed to get \"write\" lock", "Failed to get shared \"write\" lock").
        if (err.contains("Failed to get") && err.contains("lock")) {
            return new ImageToolException.ImageInUse(op, images, err);
        }
        if (err.contains("No such file or directory")) {
            return new ImageToolException.ImageMissing(op, images, err);
        }
        return new ImageToolException.Failed(op, images, out.exit, err, "exit status " + out.exit, null);
    }

    private static CompletableFuture<String> drain(InputStream in, String name) {
        Executor ownThread = task -> {
            Thread t = new Thread(task, "qemu-img-" + name);
            t.setDaemon(true);
            t.start();
        };
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, ownThread);
    }

    /**
     * What a killed qemu-img had written, as far as it can still be read: Process.destroy() closes
     * the pipes, so a drain still reading fails with "Stream closed", and the time-out, not that,
     * is what the caller must learn.
     */
    private static String collectAfterKill(CompletableFuture<String> stream) throws InterruptedException {
        try {
            return collect(stream);
        } catch (IOException e) {
            return "";
        }
    }

    private static String collect(CompletableFuture<String> stream) throws IOException, InterruptedException {
        try {
            // The process has exited or been killed: its pipes close, so this cannot block long.
            return stream.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("cannot read qemu-img output: " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("qemu-img output did not close after the process ended", e);
        }
    }

    // --- arguments ------------------------------------------------------------------------------

    /** {@code backing} as named from {@code image}'s directory: what qemu-img resolves it against. */
    static String relativeName(Path image, Path backing) {
        Path dir = image.normalize().getParent();
        return dir.relativize(backing.normalize()).toString();
    }

    private static void refuseExisting(String op, Path target, List<Path> images) {
        if (Files.exists(target)) {
            throw new ImageToolException.Failed(op, images, -1, "",
                    target + " already exists; qemu-img would overwrite it, and virtchain never reuses an image name",
                    null);
        }
    }

    private static void requireAbsolute(Path... paths) {
        for (Path p : paths) {
            Objects.requireNonNull(p, "image path");
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("image paths must be absolute, not " + p);
            }
        }
    }

    private static Duration positive(Duration d, String name) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, not " + d);
        }
        return d;
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() <= 200 ? t : t.substring(0, 200) + "…";
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "QemuImg[%s, metadata %s, copy %s]", executable, metadataTimeout, copyTimeout);
    }
}
