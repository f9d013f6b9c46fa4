package dev.virtchain.libvirt.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.virtchain.libvirt.DaemonThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * <p><b>No format is ever probed.</b> A guest writes the bytes of its raw disk, including a qcow2
 * header naming a host file as backing file or data file; a probing {@code qemu-img} would open
 * and copy that file as root. So every image is named with its format from the ledger or the
 * domain XML: reads of a chain ({@code map}, {@code measure}, {@code check}, {@code convert})
 * pass the whole chain as one {@code --image-opts} argument ({@link ImageChain}), which overrides
 * every backing name and format in the headers; {@code info} reads one image and opens no backing
 * file; {@code create} names the backing format ({@code -F}) and does not open the backing file
 * ({@code -u}, with the size given). {@code commit} and {@code rebase} name the image's format
 * ({@code -f}) and the new backing format ({@code -F}); the chains they open below are followed
 * by their headers, which {@link DiskChains} has checked (relative names inside the image roots, a
 * recorded format on every backing link, no data file) before any of them is acted on.
 *
 * <p>Output is bounded: JSON documents are read up to {@link #MAX_JSON_BYTES}, and a map is folded
 * into per-depth totals as it streams in, so memory does not grow with the number of extents.
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
    /** The largest JSON document read from qemu-img (info, check, measure are a few KiB). */
    static final int MAX_JSON_BYTES = 1 << 20;
    /** What is kept of stderr: its end, where qemu-img puts the error. */
    static final int MAX_STDERR_BYTES = 16 << 10;

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
     * libvirt is told to reuse it: {@code qemu-img create -u -f qcow2 -F FMT -b NAME overlay SIZE},
     * where NAME is {@code backing} relative to the overlay's directory and SIZE the backing
     * image's virtual size, read from its header here. {@code -u} keeps qemu-img from opening the
     * backing file at all. Works while a running QEMU writes {@code backing}. The overlays a
     * snapshot needs are written in-process ({@link Qcow2Overlay}, the same image without the
     * process); qemu-img makes the rest (a block device's, an unusual size or name).
     *
     * @throws ImageToolException.Failed if {@code overlay} already exists: qemu-img would silently
     *         overwrite it, and virtchain never reuses a name
     */
    public void createOverlay(Path overlay, Path backing, String backingFormat) {
        requireAbsolute(overlay, backing);
        Objects.requireNonNull(backingFormat, "backingFormat");
        refuseExisting("create", overlay, List.of(overlay, backing));
        create(overlay, backing, backingFormat);
    }

    /**
     * As {@link #createOverlay}, into {@code placeholder}: an empty file the caller created
     * exclusively (0600), which qemu-img fills in place (same inode, same mode). {@code size} is
     * the guest-visible size the overlay must have: a copy's overlay stands in for the active
     * image, which is larger than its backing file when the disk grew since.
     */
    public void createOverlayIn(Path placeholder, Path backing, String backingFormat, long size) {
        requireAbsolute(placeholder, backing);
        Objects.requireNonNull(backingFormat, "backingFormat");
        refuseNonEmpty("create", placeholder, List.of(placeholder, backing));
        create(placeholder, backing, backingFormat, size);
    }

    /**
     * Makes {@code placeholder}, an empty file the caller created exclusively, an empty standalone
     * image of {@code size} bytes: {@code qemu-img create -f qcow2} for qcow2, a sparse file of
     * that length for raw. What a copy that reuses its destination (REUSE_EXT) writes into.
     */
    public void createEmptyIn(Path placeholder, String format, long size) {
        requireAbsolute(placeholder);
        refuseNonEmpty("create", placeholder, List.of(placeholder));
        if (size <= 0) {
            throw new IllegalArgumentException("an image of " + size + " bytes cannot be created");
        }
        switch (format) {
            case "qcow2" -> run("create", List.of(placeholder), metadataTimeout, SUCCESS, text(),
                    "create", "-q", "-f", "qcow2", placeholder.toString(), Long.toString(size));
            case "raw" -> {
                try (var ch = java.nio.channels.FileChannel.open(placeholder, java.nio.file.StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS)) {
                    ch.write(java.nio.ByteBuffer.allocate(1), size - 1); // sparse: only the last byte is written
                } catch (IOException e) {
                    throw new ImageToolException.Failed("create", List.of(placeholder), -1, "",
                            "cannot size " + placeholder + ": " + e.getMessage(), e);
                }
            }
            default -> throw new IllegalArgumentException("virtchain creates qcow2 and raw images, not " + format);
        }
    }

    /** An overlay as large as its backing file. */
    private void create(Path overlay, Path backing, String backingFormat) {
        create(overlay, backing, backingFormat, ImageHeader.read(backing, backingFormat).virtualSize());
    }

    private void create(Path overlay, Path backing, String backingFormat, long size) {
        String backingName = relativeName(overlay, backing);
        if (Qcow2Overlay.supports(backingName, backingFormat, size)) {
            // What qemu-img would write, without starting it (see Qcow2Overlay)
            try {
                Qcow2Overlay.write(overlay, backingName, backingFormat, size);
                return;
            } catch (IOException e) {
                throw new ImageToolException.Failed("create", List.of(overlay, backing), -1, "",
                        "cannot write the overlay " + overlay + ": " + e.getMessage(), e);
            }
        }
        List<String> args = new ArrayList<>(List.of("create", "-q", "-f", "qcow2", "-F", backingFormat,
                "-b", backingName));
        if (size > 0) {
            args.add(1, "-u");
            args.addAll(List.of(overlay.toString(), Long.toString(size)));
        } else {
            args.add(overlay.toString()); // a raw block device: qemu-img reads its size itself
        }
        run("create", List.of(overlay, backing), metadataTimeout, SUCCESS, text(), args.toArray(String[]::new));
    }

    // --- reading --------------------------------------------------------------------------------

    /**
     * One image as its header describes it ({@code info --output=json -U}), its format given. No
     * backing file is opened ({@code info} opens the image alone unless asked for the chain).
     */
    public ImageInfo info(Path image, String format) {
        ImageChain one = ImageChain.of(image, format);
        String out = run("info", one.files(), metadataTimeout, SUCCESS, text(),
                "info", "--output=json", "-U", "--image-opts", one.imageOpts());
        return parsed("info", one.files(), out, () -> QemuImgJson.chain(out).get(0));
    }

    /**
     * Where each guest byte of {@code chain} lives ({@code map --output=json -U}), folded into
     * totals per depth as qemu-img prints it.
     */
    public ImageMap map(ImageChain chain) {
        Path top = chain.top().file();
        return run("map", chain.files(), metadataTimeout, SUCCESS, in -> QemuImgJson.foldExtents(top, in),
                "map", "--output=json", "-U", "--image-opts", chain.imageOpts());
    }

    /**
     * Checks one image's metadata ({@code check --output=json}), its chain named explicitly (check
     * opens the backing files). Takes the image's lock, so it refuses an image a running QEMU has
     * open ({@link ImageToolException.ImageInUse}). Corruptions and leaks are returned, not thrown.
     */
    public ImageCheck check(ImageChain chain) {
        Path image = chain.top().file();
        String out = run("check", chain.files(), metadataTimeout, CHECK_REPORTED, text(),
                "check", "--output=json", "--image-opts", chain.imageOpts());
        return parsed("check", chain.files(), out, () -> QemuImgJson.check(image, out));
    }

    /** Space a standalone {@code outputFormat} copy of {@code chain} would take. */
    public ImageMeasure measure(ImageChain chain, String outputFormat) {
        String out = run("measure", chain.files(), metadataTimeout, SUCCESS, text(),
                "measure", "--output=json", "-U", "-O", outputFormat, "--image-opts", chain.imageOpts());
        return parsed("measure", chain.files(), out, () -> QemuImgJson.measure(out));
    }

    // --- merging --------------------------------------------------------------------------------

    /**
     * Commits the top of {@code chain} and every image between it and {@code base} into
     * {@code base}, offline: {@code qemu-img commit -f qcow2 -b BASE TOP}. {@code chain} must have
     * been verified ({@link DiskChains#verify}): qemu-img follows its headers.
     *
     * <p>What it leaves (verified on QEMU 7.2): {@code base} shows what {@code top} showed;
     * {@code top} keeps its data and still shows the same point in time ({@code -b} implies
     * {@code -d}, "do not empty"), so an interrupted commit never loses the top's content;
     * images strictly between them are <em>invalid</em> afterwards (their data now sits under
     * newer data). No backing pointer is rewritten: images above {@code top} still point at it,
     * and images that pointed at the invalid ones must be rebased ({@link RebaseMode#UNSAFE})
     * onto {@code base} before those are deleted.
     */
    public void commit(ImageChain chain, Path base) {
        requireAbsolute(base);
        Path top = chain.top().file();
        if (!chain.files().subList(1, chain.files().size()).contains(base)) {
            throw new IllegalArgumentException(base + " is not below " + top + " in the chain " + chain.files());
        }
        // Not --image-opts: with explicit backing options qemu-img names the top "json:{...}" and
        // then cannot find -b in its chain (QEMU 7.2, measured). The chain is opened through the
        // headers, which the caller verified (recorded formats, names inside the image roots).
        run("commit", List.of(base, top), copyTimeout, SUCCESS, text(),
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
        run("rebase", images, mode == RebaseMode.SAFE ? copyTimeout : metadataTimeout, SUCCESS, text(),
                args.toArray(String[]::new));
    }

    // --- exporting ------------------------------------------------------------------------------

    /**
     * Writes what {@code source} shows into {@code dest}, a standalone image
     * ({@code convert -U --image-opts CHAIN -O FMT}): a full export, or an offline flatten into a
     * new file. {@code dest} may exist only as an empty file the caller created for it.
     */
    public void convert(ImageChain source, Path dest, String format) {
        requireAbsolute(dest);
        refuseNonEmpty("convert", dest, source.files());
        List<Path> images = new ArrayList<>(List.of(dest));
        images.addAll(source.files());
        run("convert", images, copyTimeout, SUCCESS, text(),
                "convert", "-U", "--image-opts", source.imageOpts(), "-O", Objects.requireNonNull(format, "format"),
                dest.toString());
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
    public void convertDiff(ImageChain source, ImageChain base, Path dest) {
        requireAbsolute(dest);
        refuseNonEmpty("convert", dest, source.files());
        create(dest, source.top().file(), source.top().format()); // fills the caller's placeholder, if any
        try {
            rebase(dest, base.top().file(), base.top().format(), RebaseMode.SAFE);
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

    private record Output<T>(int exit, T stdout, String stderr) {}

    private interface JsonReader<T> {
        T read() throws JsonProcessingException;
    }

    /** Reads a command's standard output as it is written; runs on a thread of its own. */
    interface StdoutReader<T> {
        T read(InputStream in) throws IOException;
    }

    /** Standard output as text, at most {@link #MAX_JSON_BYTES}. */
    private static StdoutReader<String> text() {
        return in -> {
            byte[] b = in.readNBytes(MAX_JSON_BYTES + 1);
            if (b.length > MAX_JSON_BYTES) {
                throw new IOException("qemu-img wrote more than " + MAX_JSON_BYTES + " bytes where a small JSON"
                        + " document was expected");
            }
            return new String(b, StandardCharsets.UTF_8);
        };
    }

    private static <T> T parsed(String op, List<Path> images, String stdout, JsonReader<T> reader) {
        try {
            return reader.read();
        } catch (JsonProcessingException | QemuImgJson.Unexpected | java.nio.file.InvalidPathException e) {
            // InvalidPathException: a file name qemu-img printed that is no path (a NUL in it).
            throw new ImageToolException.Failed(op, images, -1, "",
                    "its JSON output could not be read: " + e.getMessage() + " in: " + abbreviate(stdout), e);
        }
    }

    private <T> T run(String op, List<Path> images, Duration limit, Set<Integer> okExits, StdoutReader<T> reader,
                      String... args) {
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
            CompletableFuture<T> stdout = drain(p.getInputStream(), op + "-stdout", reader);
            CompletableFuture<String> stderr = drain(p.getErrorStream(), op + "-stderr", QemuImg::tail);
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor();
                }
                throw new ImageToolException.TimedOut(op, images, collectAfterKill(stderr), limit);
            }
            int exit = p.exitValue();
            String err = collect(stderr);
            if (!okExits.contains(exit)) {
                throw failure(op, images, exit, err);
            }
            return collect(stdout);
        } catch (IOException e) {
            throw new ImageToolException.Failed(op, images, -1, "", "cannot talk to qemu-img: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ImageToolException.Failed(op, images, -1, "", "interrupted; the image state is unknown", e);
        }
    }

    private static ImageToolException failure(String op, List<Path> images, int exit, String stderr) {
        String err = stderr.strip();
        // qemu's wording since 2.10 ("Failed to get \"write\" lock", "Failed to get shared \"write\" lock").
        if (err.contains("Failed to get") && err.contains("lock")) {
            return new ImageToolException.ImageInUse(op, images, err);
        }
        if (err.contains("No such file or directory")) {
            return new ImageToolException.ImageMissing(op, images, err);
        }
        return new ImageToolException.Failed(op, images, exit, err, "exit status " + exit, null);
    }

    private static <T> CompletableFuture<T> drain(InputStream in, String name, StdoutReader<T> reader) {
        Executor ownThread = task -> DaemonThreads.daemon(task, "qemu-img-" + name).start();
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                T value = reader.read(in);
                in.transferTo(OutputStream.nullOutputStream()); // never leave the writer blocked on a full pipe
                return value;
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

    /** The last {@link #MAX_STDERR_BYTES} of a stream, as text. */
    private static String tail(InputStream in) throws IOException {
        byte[] ring = new byte[MAX_STDERR_BYTES];
        long total = 0;
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            for (int i = 0; i < n; i++) {
                ring[(int) (total++ % MAX_STDERR_BYTES)] = buf[i];
            }
        }
        if (total <= MAX_STDERR_BYTES) {
            return new String(ring, 0, (int) total, StandardCharsets.UTF_8);
        }
        int start = (int) (total % MAX_STDERR_BYTES);
        byte[] ordered = new byte[MAX_STDERR_BYTES];
        System.arraycopy(ring, start, ordered, 0, MAX_STDERR_BYTES - start);
        System.arraycopy(ring, 0, ordered, MAX_STDERR_BYTES - start, start);
        return "…" + new String(ordered, StandardCharsets.UTF_8);
    }

    private static <T> T collect(CompletableFuture<T> stream) throws IOException, InterruptedException {
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

    /**
     * The name {@code image}'s header records for {@code backing}: relative to {@code image}'s
     * directory (what qemu-img resolves it against) when the backing file is in that directory or
     * below it, so that a directory of images can move as a whole; otherwise absolute. A name that
     * climbs out with {@code ..} would break when either directory moves, and libvirt reports it
     * unresolved ({@code /copies/../../images/a.qcow2}).
     */
    static String relativeName(Path image, Path backing) {
        Path dir = image.normalize().getParent();
        Path relative = dir.relativize(backing.normalize());
        if (relative.startsWith("..")) {
            return backing.normalize().toString();
        }
        String name = relative.toString();
        // QEMU reads "a:b.qcow2" as protocol "a"; "./a:b.qcow2" is a file (a '/' before the ':').
        return ImageRoots.hasProtocol(name) ? "./" + name : name;
    }

    /** The caller may have created {@code target} empty (exclusively, 0600) for qemu-img to fill. */
    private static void refuseNonEmpty(String op, Path target, List<Path> images) {
        try {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                    && (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) || Files.size(target) > 0)) {
                throw new ImageToolException.Failed(op, images, -1, "", target
                        + " already exists and is not an empty placeholder; virtchain never overwrites a file", null);
            }
        } catch (IOException e) {
            throw new ImageToolException.Failed(op, images, -1, "", "cannot inspect " + target + ": " + e.getMessage(), e);
        }
    }

    private static void refuseExisting(String op, Path target, List<Path> images) {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
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
