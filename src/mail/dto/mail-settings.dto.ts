import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsIn, IsString, MaxLength } from 'class-validator';
import { EMAIL_NOTIFICATIONS } from '../mail.service';

export class MailSettingsDto {
  @ApiProperty({ nullable: true, type: String })
  email!: string | null;

  @ApiProperty()
  emailVerified!: boolean;

  @ApiProperty({ enum: EMAIL_NOTIFICATIONS })
  emailNotifications!: string;
}

export class UpdateMailSettingsDto {
  @ApiProperty({ enum: EMAIL_NOTIFICATIONS })
  @IsIn(EMAIL_NOTIFICATIONS, {
    message: 'emailNotifications must be one of: off, immediate, daily',
  })
  emailNotifications!: string;
}

export class ChangeEmailDto {
  @ApiProperty({ example: 'reader@example.com' })
  @IsString({ message: 'email must be a string' })
  @MaxLength(254, { message: 'email must be at most 254 characters' })
  @IsEmail({}, { message: 'email must be an e-mail address' })
  email!: string;
}
