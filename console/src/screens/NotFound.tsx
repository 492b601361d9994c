import { Link } from 'wouter';

export function NotFound() {
  return (
    <section className="empty">
      <h1>Nothing here</h1>
      <p>
        This address is not a page of the console. <Link href="/workflows">Go to the workflows</Link>.
      </p>
    </section>
  );
}
