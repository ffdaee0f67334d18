// The usage line of `distcheck cluster`, apart from the command so that help does not load the harness.
export const CLUSTER_USAGE = `distcheck cluster etcd|redis-sentinel [--nemesis kill,pause,partition] [--seconds N] [--clients N] [--seed S]
                    [--reads linearizable|serializable] [--out DIR] [--base-port P] [--min-replicas-to-write N] [--min-replicas-max-lag S]`;
