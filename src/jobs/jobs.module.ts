import { Global, Module } from '@nestjs/common';
import { JobQueue } from './job-queue.service';

/** The durable job queue (pg-boss); features define their queues on it. */
@Global()
@Module({ providers: [JobQueue], exports: [JobQueue] })
export class JobsModule {}
