package dev.virtchain.daemon.exec;

import dev.virtchain.model.Consistency;

/** What a snapshot step really got: its consistency and why a quiesce asked for was not had (or null). */
public record Taken(Consistency consistency, String note) {}
