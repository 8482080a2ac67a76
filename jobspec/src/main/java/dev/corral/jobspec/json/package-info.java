/** Nomad's API JSON for jobs ({@code {"Job": {...}}}, PascalCase, nanosecond durations), read and written with Jackson. */
package dev.corral.jobspec.json;
