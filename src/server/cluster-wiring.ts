import type { Logger } from 'pino';
import type { Backplane } from '../cluster/backplane.js';
import type { RoomwireConfig } from '../config/config.js';

/**
 * Builds the Redis backplane of a cluster node (`--cluster`). Imported on demand, so a single
 * process never loads ioredis.
 */
export async function createBackplane(
  config: RoomwireConfig,
  logger: Logger,
  onDropped: () => void,
): Promise<Backplane> {
  const { RedisBackplane } = await import('../cluster/redis-backplane.js');
  return new RedisBackplane({
    url: config.cluster,
    prefix: config.clusterPrefix,
    mode: config.clusterMode as 'auto' | 'single' | 'cluster',
    heartbeatMs: config.clusterHeartbeatMs,
    nodeTimeoutMs: config.clusterNodeTimeoutMs,
    idBlockSize: config.clusterIdBlock,
    maxRooms: config.maxRooms,
    maxRoomMembers: config.maxRoomMembers,
    logger,
    onDropped,
  });
}
