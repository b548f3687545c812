// Container runtimes name the leaf cgroup after the 64-hex container id:
// docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope, libpod-<id>.scope,
// or a bare <id> directory under /docker/ or /kubepods/... (cgroup v1 and cgroupfs driver).
const CONTAINER_ID = /(?:^|[/-])([0-9a-f]{64})(?:\.scope)?$/;

/** The container id in a /proc/<pid>/cgroup file, or null for a process outside containers. */
export function containerIdFromCgroup(cgroupFile: string): string | null {
  for (const line of cgroupFile.split('\n')) {
    // hierarchy-ID:controllers:path
    const path = line.split(':').slice(2).join(':').trim();
    if (!path) continue;
    for (const part of path.split('/').reverse()) {
      const match = CONTAINER_ID.exec(part);
      if (match?.[1]) return match[1];
    }
  }
  return null;
}
