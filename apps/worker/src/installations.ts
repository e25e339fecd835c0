// GitHub App installations: what an installation event changes in the installations table.
import type { PrismaClient } from '@hookfleet/db';
import type { InstallationChange } from '@hookfleet/planning';

export async function recordInstallation(prisma: PrismaClient, change: InstallationChange): Promise<void> {
  const id = BigInt(change.id);
  const existing = await prisma.installation.findUnique({ where: { id }, select: { repositories: true } });
  const current = new Set((existing?.repositories as string[] | undefined) ?? []);
  for (const name of change.added) current.add(name);
  for (const name of change.removed) current.delete(name);
  const repositories = change.repositories ?? [...current];
  const data = {
    account: change.account,
    accountType: change.accountType,
    repositories,
    ...(change.action === 'deleted' ? { deletedAt: new Date() } : {}),
    ...(change.action === 'created' ? { deletedAt: null } : {}),
    ...(change.action === 'suspend' ? { suspended: true } : {}),
    ...(change.action === 'unsuspend' ? { suspended: false } : {}),
  };
  await prisma.installation.upsert({ where: { id }, create: { id, ...data }, update: data });
}
