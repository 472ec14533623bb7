// `packettrail doctor`: every capture tier with works / does not work and why.
import { doctorReport, renderDoctor } from '../../capture/doctor';

export async function doctorCommand(): Promise<number> {
  const rows = await doctorReport();
  process.stdout.write(renderDoctor(rows));
  return 0;
}
