/** A dependency-free control-protocol client for tests, runnable as another user. */
package dev.virtchain.daemon.testclient;
