/**
 * The daemon's file-system boundaries: which images it may open and follow (image roots), where
 * commands may write (export and copy directories), and how it creates and removes the files it
 * makes (exclusively, 0600, deleted only while still the same file). See docs/security.md.
 */
package dev.virtchain.daemon.files;
